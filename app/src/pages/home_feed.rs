//! `/home`: the signed-in person's feed — their own posts, their followees' posts and reposts, and
//! posts that mention them — each saying why it is there, with the compose box, live on `home`.

use crate::components::compose::Compose;
use crate::components::post_card::PostCard;
use crate::components::site_header::{page_frame, SiteHeader};
use crate::components::Item;
use crate::data::{load, load_me};
use crate::wire::{HomeItem, Me, Page, Why};
use leptos::prelude::*;
use std::collections::HashMap;

#[component]
pub fn HomeFeedPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| load_me());
    let feed = Resource::new(
        || (),
        |_| load::<Page<HomeItem>>("/api/timeline/home".into()),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, feed) = (me.await, feed.await);
                view! { <HomeFeed me feed/> }
            })}
        </Suspense>
    }
}

/// How a person reads why an item is in their feed.
fn because(why: &Why) -> String {
    let who = why.handle.clone().unwrap_or_default();
    match why.kind.as_str() {
        "repost" => format!("reposted by @{who}"),
        "mention" => "mentions you".to_owned(),
        "follow" => format!("you follow @{who}"),
        _ => "yours".to_owned(),
    }
}

#[component]
fn HomeFeed(me: Option<Me>, feed: Result<Page<HomeItem>, String>) -> impl IntoView {
    let (session, connection, unread) = page_frame(me);
    if session.0.with_untracked(Option::is_none) {
        return view! {
            <SiteHeader connection unread/>
            <main class="home-feed"><p>"This is your feed once you "<a href="/">"sign in"</a>"."</p></main>
        }
        .into_any();
    }
    let (page, error) = match feed {
        Ok(page) => (page, None),
        Err(error) => (
            Page {
                items: vec![],
                next: None,
                position: 0,
                stale: false,
            },
            Some(error),
        ),
    };
    let whys = RwSignal::new(
        page.items
            .iter()
            .map(|item| (item.post.id, because(&item.why)))
            .collect::<HashMap<_, _>>(),
    );
    let posts = RwSignal::new(
        page.items
            .into_iter()
            .map(|item| Item::shown(item.post))
            .collect::<Vec<_>>(),
    );
    let position = RwSignal::new(page.position);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| follow_home(posts, whys, position, connection));
    view! {
        <SiteHeader connection unread/>
        <main class="home-feed">
            <Compose posts/>
            <section class="timeline" aria-label="Home timeline" data-position=move || position.get()>
                <h2>"Home"</h2>
                {error.map(|error| view! { <p class="error" role="alert">{error}</p> })}
                <Show when=move || posts.with(Vec::is_empty)>
                    <p class="empty">"Nothing here yet: follow people, or say something."</p>
                </Show>
                <For each=move || posts.get()
                    key=crate::components::post_list::key
                    let:item>
                    {
                        let why = whys.with_untracked(|whys| whys.get(&item.post.id).cloned());
                        view! { <PostCard item why/> }
                    }
                </For>
            </section>
        </main>
    }
    .into_any()
}

/// A home change names a post and why: the post is read (its counts, its visibility) and put on
/// top. A resync reads the feed again.
#[cfg(feature = "hydrate")]
fn follow_home(
    posts: RwSignal<Vec<Item>>,
    whys: RwSignal<HashMap<uuid::Uuid, String>>,
    position: RwSignal<u64>,
    connection: RwSignal<crate::components::connection::Connection>,
) {
    use crate::wire::{ServerFrame, Thread};
    crate::client::follow(
        "home".to_owned(),
        move || Some(position.get_untracked()),
        connection,
        move |frame| {
            let (data, at) = match frame {
                ServerFrame::Change { data, position, .. } => (data, position),
                ServerFrame::Resync { .. } => {
                    leptos::task::spawn_local(refetch(posts, whys, position));
                    return;
                }
                _ => return,
            };
            position.update(|p| *p = (*p).max(at));
            let Some(id) = data
                .get("post_id")
                .and_then(|id| serde_json::from_value::<uuid::Uuid>(id.clone()).ok())
            else {
                return;
            };
            if let Ok(why) = serde_json::from_value::<Why>(data["why"].clone()) {
                whys.update(|whys| {
                    whys.insert(id, because(&why));
                });
            }
            leptos::task::spawn_local(async move {
                let url = format!("/api/posts/{id}?min_position={at}");
                if let Ok(thread) = crate::client::get::<Thread>(&url).await {
                    posts.update(|list| crate::components::post_list::upsert(list, thread.post));
                }
            });
        },
    );
}

/// The feed read again, keeping the posts still pending.
#[cfg(feature = "hydrate")]
async fn refetch(
    posts: RwSignal<Vec<Item>>,
    whys: RwSignal<HashMap<uuid::Uuid, String>>,
    position: RwSignal<u64>,
) {
    use crate::components::post_list::refetched;
    let Ok(page) = crate::client::get::<Page<HomeItem>>("/api/timeline/home").await else {
        return;
    };
    whys.update(|whys| {
        whys.extend(
            page.items
                .iter()
                .map(|item| (item.post.id, because(&item.why))),
        );
    });
    let fetched = page.items.into_iter().map(|item| item.post).collect();
    posts.update(|list| *list = refetched(list, fetched, true));
    position.update(|p| *p = (*p).max(page.position));
}
