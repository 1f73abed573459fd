//! The home page: sign up or in, compose, and the public timeline growing live.

use crate::components::auth_forms::AuthForms;
use crate::components::compose::Compose;
use crate::components::post_card::PostCard;
use crate::components::post_list::items_of;
use crate::components::site_header::{page_frame, SiteHeader};
#[cfg(feature = "hydrate")]
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
    let (session, connection, unread) = page_frame(me);
    let me = session.0;
    let (items, position, load_error) = match page {
        Ok(page) => (items_of(&page), page.position, None),
        Err(error) => (vec![], 0, Some(error)),
    };
    let posts = RwSignal::new(items);
    let position = RwSignal::new(position);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        crate::client::follow(
            "public".to_owned(),
            move || Some(position.get_untracked()),
            connection,
            move |frame| apply(frame, posts, position),
        );
    });

    view! {
        <SiteHeader connection unread/>
        <main class="home">
            <Show when=move || me.with(Option::is_some) fallback=move || view! { <AuthForms me/> }>
                <Compose posts/>
            </Show>
            <section class="timeline" aria-label="Public timeline" data-position=move || position.get()>
                <h2>"Public timeline"</h2>
                {load_error.map(|error| view! { <p class="error" role="alert">{error}</p> })}
                <Show when=move || posts.with(Vec::is_empty)>
                    <p class="empty">"No posts yet. Say something!"</p>
                </Show>
                <For each=move || posts.get() key=crate::components::post_list::key let:item>
                    <PostCard item/>
                </For>
            </section>
        </main>
    }
}

/// Applies one live frame to the list; a resync refetches it, keeping the posts still pending.
#[cfg(feature = "hydrate")]
fn apply(frame: crate::wire::ServerFrame, posts: RwSignal<Vec<Item>>, position: RwSignal<u64>) {
    use crate::components::post_list::refetched;
    if crate::components::post_list::apply(frame, posts, position) {
        leptos::task::spawn_local(async move {
            let url = "/api/timeline/public";
            if let Ok(page) = crate::client::get::<Page<Post>>(url).await {
                posts.update(|list| *list = refetched(list, page.items, true));
                position.update(|p| *p = (*p).max(page.position));
            }
        });
    }
}
