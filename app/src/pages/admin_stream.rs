//! One stream with time travel: the aggregate's state at any version, chosen with a slider or steps,
//! and the events up to it.

use crate::components::admin::{fetch_into, pretty, AdminGate, Loaded, PersonalBadge};
use crate::wire::StreamAt;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn AdminStreamPage() -> impl IntoView {
    view! { <AdminGate><StreamView/></AdminGate> }
}

#[component]
fn StreamView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let stream = move || params.read().get("stream").unwrap_or_default();
    let at = RwSignal::new(Loaded::<StreamAt>::Loading);
    let version = RwSignal::new(
        query
            .read_untracked()
            .get("version")
            .and_then(|v| v.parse::<u64>().ok()),
    );
    Effect::new(move |_| {
        let url = match version.get() {
            Some(v) => format!("/api/admin/streams/{}?version={v}", stream()),
            None => format!("/api/admin/streams/{}", stream()),
        };
        fetch_into(url, at);
    });
    view! {
        <section class="stream">
            <h2>"Stream "<code>{stream}</code></h2>
            {move || match at.get() {
                Loaded::Loading => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Loaded::Failed(error) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
                Loaded::Ready(now) => {
                    let (shown, latest) = (now.version, now.latest);
                    view! {
                        <div class="version-bar">
                            <button type="button" class="secondary" disabled=shown <= 1
                                on:click=move |_| version.set(Some(shown - 1))>"◀ Earlier"</button>
                            <label>
                                {format!("Version {shown} of {latest}")}
                                <input type="range" min="1" max=latest.to_string() prop:value=shown.to_string()
                                    on:change=move |ev| version.set(event_target_value(&ev).parse().ok())/>
                            </label>
                            <button type="button" class="secondary" disabled=shown >= latest
                                on:click=move |_| version.set(Some(shown + 1))>"Later ▶"</button>
                        </div>
                        <h3>"State at version "{shown}</h3>
                        <pre class="state">{pretty(&now.state)}</pre>
                        <h3>"Events"</h3>
                        <ol class="stream-events">
                            {now.events.into_iter().map(|e| view! {
                                <li>
                                    <strong>{e.event_type.clone()}</strong><PersonalBadge personal=e.metadata.personal.clone()/>
                                    " v"{e.version}" · #"{e.position}" · "
                                    <span class="muted">{e.metadata.at.clone()}</span>" · "
                                    <a href=format!("/admin/causation/{}", e.event_id)>"chain"</a>
                                    <pre>{pretty(&e.data)}</pre>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }
            }}
        </section>
    }
}
