//! `/notifications`: what happened to the signed-in person, grouped ("ann and 4 others liked your
//! post"), newest first; opening the page marks them read, and new ones arrive live.

use crate::components::site_header::{page_frame, SiteHeader};
use crate::data::{load, load_me};
use crate::wire::{Me, NotificationGroup, NotificationPage};
use leptos::prelude::*;

type Groups = NotificationPage<NotificationGroup>;

const SOURCE: &str = "/api/notifications?grouped=true";

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| load_me());
    let groups = Resource::new(|| (), |_| load::<Groups>(SOURCE.into()));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, groups) = (me.await, groups.await);
                view! { <NotificationsView me groups/> }
            })}
        </Suspense>
    }
}

/// "ann", "ann and bob", "ann and 4 others".
fn who(group: &NotificationGroup) -> String {
    let first = group
        .actors
        .first()
        .map(|a| a.display_name.clone())
        .unwrap_or_default();
    match group.count {
        0 | 1 => first,
        2 => format!(
            "{first} and {}",
            group
                .actors
                .get(1)
                .map(|a| a.display_name.clone())
                .unwrap_or_default()
        ),
        n => format!("{first} and {} others", n - 1),
    }
}

fn what(kind: &str) -> &'static str {
    match kind {
        "like" => "liked your post",
        "repost" => "reposted your post",
        "follow" => "followed you",
        "reply" => "replied to your post",
        "mention" => "mentioned you",
        _ => "did something",
    }
}

#[component]
fn NotificationsView(me: Option<Me>, groups: Result<Groups, String>) -> impl IntoView {
    let (session, connection, unread) = page_frame(me);
    if session.0.with_untracked(Option::is_none) {
        return view! {
            <SiteHeader connection unread/>
            <main class="notifications"><p><a href="/">"Sign in"</a>" to see your notifications."</p></main>
        }
        .into_any();
    }
    let (page, error) = match groups {
        Ok(page) => (Some(page), None),
        Err(error) => (None, Some(error)),
    };
    let list = RwSignal::new(page.map(|page| page.items).unwrap_or_default());
    mark_read(list);
    view! {
        <SiteHeader connection unread/>
        <main class="notifications">
            <h2>"Notifications"</h2>
            {error.map(|error| view! { <p class="error" role="alert">{error}</p> })}
            <Show when=move || list.with(Vec::is_empty)>
                <p class="empty">"Nothing yet."</p>
            </Show>
            <ul class="groups">
                <For each=move || list.get() key=|group| (group.kind.clone(), group.position, group.count, group.read) let:group>
                    <li class="group" class:unread=!group.read data-kind=group.kind.clone()>
                        <p>
                            <strong>{who(&group)}</strong>" "{what(&group.kind)}
                            {group.actors.first().map(|actor| {
                                let href = format!("/u/{}", actor.handle);
                                view! { " " <a href=href>"@"{actor.handle.clone()}</a> }
                            })}
                        </p>
                        {group.post.clone().map(|post| {
                            let href = format!("/p/{}", post.id);
                            view! { <p class="about"><a href=href>{post.text}</a></p> }
                        })}
                    </li>
                </For>
            </ul>
        </main>
    }
    .into_any()
}

/// Opening the page reads everything shown: the newest position is marked read, the badge clears;
/// a new notification (or a resync) refetches the groups.
fn mark_read(list: RwSignal<Vec<NotificationGroup>>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use crate::components::connection::Connection;
        use crate::wire::{ChangeKind, ServerFrame};
        let unread = use_context::<crate::components::site_header::Unread>();
        let newest = list.with_untracked(|groups| groups.iter().map(|g| g.position).max());
        if let Some(up_to) = newest {
            leptos::task::spawn_local(async move {
                let payload = serde_json::json!({ "up_to": up_to });
                if let Ok(answer) = crate::client::command("MarkNotificationsRead", payload).await {
                    if let Some(unread) = unread {
                        unread.read_up_to(answer.position);
                    }
                    list.update(|groups| groups.iter_mut().for_each(|g| g.read = true));
                }
            });
        }
        let connection = use_context::<RwSignal<Connection>>()
            .unwrap_or_else(|| RwSignal::new(Connection::Connecting));
        crate::client::follow(
            "notifications".to_owned(),
            || None,
            connection,
            move |frame| {
                if matches!(
                    frame,
                    ServerFrame::Change {
                        kind: ChangeKind::Upsert,
                        ..
                    } | ServerFrame::Resync { .. }
                ) {
                    leptos::task::spawn_local(async move {
                        if let Ok(page) = crate::client::get::<Groups>(SOURCE).await {
                            list.set(page.items);
                        }
                    });
                }
            },
        );
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = list;
}
