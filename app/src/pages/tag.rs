//! `/t/:tag`: the posts with a tag, newest first, live.

use crate::components::live_posts::LivePosts;
use crate::components::site_header::{page_frame, SiteHeader};
use crate::data::{load, load_me};
use crate::wire::{Me, Page, Post};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn TagPage() -> impl IntoView {
    let params = use_params_map();
    let tag = move || params.read().get("tag").unwrap_or_default().to_lowercase();
    let me = Resource::new(|| (), |_| load_me());
    let page = Resource::new(tag, |tag| load::<Page<Post>>(format!("/api/tags/{tag}")));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, page) = (me.await, page.await);
                view! { <TagView me tag=tag() page/> }
            })}
        </Suspense>
    }
}

#[component]
fn TagView(me: Option<Me>, tag: String, page: Result<Page<Post>, String>) -> impl IntoView {
    let (_, connection, unread) = page_frame(me);
    view! {
        <SiteHeader connection unread/>
        <main class="tag">
            <h2>"#"{tag.clone()}</h2>
            {match page {
                Ok(page) => view! {
                    <LivePosts page topic=format!("tag:{tag}") source=format!("/api/tags/{tag}")
                        empty="No posts with this tag yet."/>
                }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
            }}
        </main>
    }
}
