//! The admin's event browser: filters, keyset pages, a row opens the whole envelope, links to the
//! event's stream, actor, correlation and causation chain, and a pausable live tail.

use crate::components::admin::{fetch_into, pretty, AdminGate, Loaded, PersonalBadge};
use crate::components::connection::{Connection, ConnectionBadge};
use crate::wire::{Envelope, EventPage};
use leptos::prelude::*;

#[component]
pub fn AdminEventsPage() -> impl IntoView {
    view! { <AdminGate><EventBrowser/></AdminGate> }
}

/// The filter fields, in the order of the form: (label, query parameter).
const FILTERS: [(&str, &str); 6] = [
    ("Stream", "stream"),
    ("Type", "type"),
    ("Actor", "actor"),
    ("Correlation", "correlation"),
    ("From", "from"),
    ("To", "to"),
];

#[component]
fn EventBrowser() -> impl IntoView {
    let values: [RwSignal<String>; 6] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let before = RwSignal::new(None::<String>);
    let page = RwSignal::new(Loaded::<EventPage>::Loading);
    let expanded = RwSignal::new(None::<u64>);
    let tail = RwSignal::new(true);
    let connection = RwSignal::new(Connection::Connecting);

    let query = move || {
        let mut parts: Vec<String> = FILTERS
            .iter()
            .zip(values)
            .filter_map(|((_, name), value)| {
                let value = value.get_untracked();
                (!value.trim().is_empty()).then(|| format!("{name}={}", encode(value.trim())))
            })
            .collect();
        if let Some(before) = before.get_untracked() {
            parts.push(format!("before={before}"));
        }
        parts.join("&")
    };
    let load = move || fetch_into(format!("/api/admin/events?limit=50&{}", query()), page);
    Effect::new(move |_| {
        load();
        #[cfg(feature = "hydrate")]
        let filtering = move || values.iter().any(|v| !v.get_untracked().trim().is_empty());
        #[cfg(feature = "hydrate")]
        crate::client::follow(
            "admin:events".to_owned(),
            || None,
            connection,
            move |frame| {
                use crate::wire::ServerFrame;
                if matches!(frame, ServerFrame::Resync { .. }) {
                    load();
                }
                if let ServerFrame::Change { data, .. } = frame {
                    let first_page = before.get_untracked().is_none() && !filtering();
                    if let (true, true, Ok(event)) = (
                        tail.get_untracked(),
                        first_page,
                        serde_json::from_value::<Envelope>(data),
                    ) {
                        page.update(|loaded| {
                            if let Loaded::Ready(page) = loaded {
                                if !page.page.items.iter().any(|e| e.position == event.position) {
                                    page.head = page.head.max(event.position);
                                    page.page.items.insert(0, event);
                                }
                            }
                        });
                    }
                }
            },
        );
    });
    let set_filter = move |index: usize, value: String| {
        values[index].set(value);
        before.set(None);
        load();
    };

    view! {
        <section class="event-browser">
            <h2>"Event history"</h2>
            <form class="filters" aria-label="Filter events" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                before.set(None);
                load();
            }>
                {FILTERS.iter().zip(values).map(|((label, name), value)| view! {
                    <label>{*label}<input name=*name bind:value=value placeholder=placeholder(name)/></label>
                }).collect_view()}
                <div class="filter-buttons">
                    <button type="submit">"Filter"</button>
                    <button type="button" class="secondary" on:click=move |_| {
                        values.iter().for_each(|v| v.set(String::new()));
                        before.set(None);
                        load();
                    }>"Clear"</button>
                </div>
            </form>
            <div class="tail-bar">
                <label class="inline"><input type="checkbox" bind:checked=tail/>" Live tail"</label>
                <ConnectionBadge connection/>
            </div>
            {move || match page.get() {
                Loaded::Loading => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Loaded::Failed(error) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
                Loaded::Ready(page_now) => {
                    let next = page_now.page.next.clone();
                    let head = page_now.head;
                    view! {
                        <p class="muted">{format!("{} events shown · head {head}", page_now.page.items.len())}</p>
                        <table class="events">
                            <thead><tr><th>"#"</th><th>"Type"</th><th>"Stream"</th><th>"v"</th><th>"Actor"</th><th>"At"</th><th>"Links"</th></tr></thead>
                            <tbody>
                                {page_now.page.items.into_iter().map(|event| view! {
                                    <EventRow event expanded on_actor=move |a| set_filter(2, a) on_correlation=move |c| set_filter(3, c)/>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <div class="pager">
                            <button type="button" class="secondary" disabled=move || before.with(Option::is_none)
                                on:click=move |_| { before.set(None); load(); }>"Newest"</button>
                            <button type="button" class="secondary" disabled=next.is_none()
                                on:click=move |_| { before.set(next.clone()); load(); }>"Older"</button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

fn placeholder(name: &str) -> &'static str {
    match name {
        "type" => "PostCreated",
        "from" | "to" => "2026-01-01T00:00:00Z",
        "stream" => "post-…",
        "correlation" => "uuid",
        _ => "",
    }
}

/// Percent-encodes a query value (the few characters that matter in ours).
fn encode(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('&', "%26")
        .replace('+', "%2B")
        .replace(' ', "%20")
        .replace('#', "%23")
}

#[component]
fn EventRow(
    event: Envelope,
    expanded: RwSignal<Option<u64>>,
    on_actor: impl Fn(String) + Copy + Send + Sync + 'static,
    on_correlation: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let position = event.position;
    let open = move || expanded.get() == Some(position);
    let actor = event.metadata.actor.clone().unwrap_or_default();
    let correlation = event
        .metadata
        .correlation_id
        .map(|c| c.to_string())
        .unwrap_or_default();
    let json = pretty(&event);
    view! {
        <tr class="event-row" class:open=open>
            <td>
                <button type="button" class="link" aria-expanded=move || open().to_string()
                    on:click=move |_| expanded.update(|e| *e = if *e == Some(position) { None } else { Some(position) })>
                    {position}
                </button>
            </td>
            <td class="type">{event.event_type.clone()}<PersonalBadge personal=event.metadata.personal.clone()/></td>
            <td><a href=format!("/admin/streams/{}", event.stream)>{event.stream.clone()}</a></td>
            <td>{event.version}</td>
            <td>
                <button type="button" class="link" on:click={
                    let actor = actor.clone();
                    move |_| on_actor(actor.clone())
                }>{actor.clone()}</button>
            </td>
            <td class="muted">{event.metadata.at.clone()}</td>
            <td class="links">
                <a href=format!("/admin/causation/{}", event.event_id)>"chain"</a>
                " "
                <button type="button" class="link" on:click=move |_| on_correlation(correlation.clone())>"correlation"</button>
            </td>
        </tr>
        <Show when=open>
            <tr class="envelope"><td colspan="7"><pre>{json.clone()}</pre></td></tr>
        </Show>
    }
}
