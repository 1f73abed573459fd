//! `/p/:id/history`: every version of a post, oldest first.

use crate::components::rich_text::RichText;
use crate::components::site_header::{page_frame, SiteHeader};
use crate::data::{load, load_me};
use crate::wire::{Me, Page, PostVersion};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn HistoryPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let me = Resource::new(|| (), |_| load_me());
    let versions = Resource::new(id, |id| {
        load::<Page<PostVersion>>(format!("/api/posts/{id}/history"))
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, versions) = (me.await, versions.await);
                view! { <HistoryView me id=id() versions/> }
            })}
        </Suspense>
    }
}

#[component]
fn HistoryView(
    me: Option<Me>,
    id: String,
    versions: Result<Page<PostVersion>, String>,
) -> impl IntoView {
    let (_, connection, unread) = page_frame(me);
    let content = match versions {
        Ok(page) => view! {
            <ol class="versions">
                {page.items.into_iter().enumerate().map(|(n, version)| view! {
                    <li class="version">
                        <p class="meta">
                            {if n == 0 { "Posted " } else { "Edited " }}
                            <time datetime=version.at.clone()>{version.at.get(..16).unwrap_or_default().replace('T', " ")}</time>
                        </p>
                        <p class="text"><RichText text=version.text/></p>
                    </li>
                }).collect_view()}
            </ol>
        }
        .into_any(),
        Err(error) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
    };
    view! {
        <SiteHeader connection unread/>
        <main class="history">
            <h2>"Edit history"</h2>
            <p><a href=format!("/p/{id}")>"Back to the post"</a></p>
            {content}
        </main>
    }
}
