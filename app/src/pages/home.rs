//! The home page: sign up or in, compose, and the public timeline growing live.

use crate::components::auth_forms::AuthForms;
use crate::components::compose::Compose;
use crate::components::connection::{Connection, ConnectionBadge};
use crate::components::post_card::PostCard;
use crate::components::user_bar::UserBar;
use crate::components::Item;
use crate::data::{load_me, load_public_timeline};
use crate::wire::{Me, Page, Post};
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| load_me());
    let timeline = Resource::new(|| (), |_| load_public_timeline());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, page) = (me.await, timeline.await);
                view! { <Home me page/> }
            })}
        </Suspense>
    }
}

#[component]
fn Home(me: Option<Me>, page: Result<Page<Post>, String>) -> impl IntoView {
    let me = RwSignal::new(me);
    let (items, position, load_error) = match page {
        Ok(page) => (page.items, page.position, None),
        Err(error) => (vec![], 0, Some(error)),
    };
    let posts = RwSignal::new(
        items
            .into_iter()
            .map(|post| Item {
                post,
                pending: false,
            })
            .collect::<Vec<_>>(),
    );
    let position = RwSignal::new(position);
    let connection = RwSignal::new(Connection::Connecting);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        crate::client::follow(
            "public",
            move || position.get_untracked(),
            connection,
            move |frame| apply(frame, posts, position),
        );
    });

    view! {
        <header class="site-header">
            <h1>"Agora"</h1>
            <ConnectionBadge connection/>
            <UserBar me/>
        </header>
        <main class="home">
            <Show when=move || me.with(Option::is_some) fallback=move || view! { <AuthForms me/> }>
                <Compose me posts/>
            </Show>
            <section class="timeline" aria-label="Public timeline" data-position=move || position.get()>
                <h2>"Public timeline"</h2>
                {load_error.map(|error| view! { <p class="error" role="alert">{error}</p> })}
                <Show when=move || posts.with(Vec::is_empty)>
                    <p class="empty">"No posts yet. Say something!"</p>
                </Show>
                <For each=move || posts.get() key=|item| (item.post.id, item.pending) let:item>
                    <PostCard item/>
                </For>
            </section>
        </main>
    }
}

/// Applies one live frame to the list: upserts replace (and confirm) or prepend, removes remove.
#[cfg(feature = "hydrate")]
fn apply(frame: crate::wire::ServerFrame, posts: RwSignal<Vec<Item>>, position: RwSignal<u64>) {
    use crate::wire::{ChangeKind, ServerFrame};
    match frame {
        ServerFrame::Change {
            kind: ChangeKind::Upsert,
            data,
            position: at,
            ..
        } => {
            if let Ok(post) = serde_json::from_value::<Post>(data) {
                posts.update(|list| upsert(list, post));
            }
            position.update(|p| *p = (*p).max(at));
        }
        ServerFrame::Change {
            kind: ChangeKind::Remove,
            data,
            position: at,
            ..
        } => {
            if let Ok(id) = serde_json::from_value::<uuid::Uuid>(data) {
                posts.update(|list| list.retain(|item| item.post.id != id));
            }
            position.update(|p| *p = (*p).max(at));
        }
        ServerFrame::Resync { .. } => refresh(posts, position, None),
        _ => {}
    }
}

#[cfg(feature = "hydrate")]
fn upsert(list: &mut Vec<Item>, post: Post) {
    match list.iter_mut().find(|item| item.post.id == post.id) {
        Some(item) => {
            *item = Item {
                post,
                pending: false,
            }
        }
        None => list.insert(
            0,
            Item {
                post,
                pending: false,
            },
        ),
    }
}

/// Refetches the timeline (at least as new as `min_position`) and keeps the posts still pending.
#[cfg(feature = "hydrate")]
fn refresh(posts: RwSignal<Vec<Item>>, position: RwSignal<u64>, min_position: Option<u64>) {
    leptos::task::spawn_local(async move {
        let url = match min_position {
            Some(min) => format!("/api/timeline/public?min_position={min}"),
            None => "/api/timeline/public".to_owned(),
        };
        if let Ok(page) = crate::client::get::<Page<Post>>(&url).await {
            posts.update(|list| {
                let fetched: Vec<Item> = page
                    .items
                    .into_iter()
                    .map(|post| Item {
                        post,
                        pending: false,
                    })
                    .collect();
                let still_pending: Vec<Item> = list
                    .iter()
                    .filter(|item| {
                        item.pending && !fetched.iter().any(|f| f.post.id == item.post.id)
                    })
                    .cloned()
                    .collect();
                *list = still_pending.into_iter().chain(fetched).collect();
            });
            position.update(|p| *p = (*p).max(page.position));
        }
    });
}

/// After a post's command succeeded: if no live push confirmed it soon, read our own write.
#[cfg(feature = "hydrate")]
pub fn refresh_if_pending(posts: RwSignal<Vec<Item>>, post_id: uuid::Uuid, position: u64) {
    leptos::task::spawn_local(async move {
        gloo_timers::future::sleep(std::time::Duration::from_millis(1500)).await;
        if posts.with_untracked(|list| {
            list.iter()
                .any(|item| item.post.id == post_id && item.pending)
        }) {
            let seen = RwSignal::new(0);
            refresh(posts, seen, Some(position));
        }
    });
}
