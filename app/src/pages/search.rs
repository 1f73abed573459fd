//! `/search?q=`: posts by their words (best match first) and people by handle or name. The form is
//! a plain GET form, so it works before (and without) WebAssembly.

use crate::components::post_list::{items_of, PostList};
use crate::components::site_header::{page_frame, SiteHeader};
use crate::data::{load, load_me};
use crate::wire::{Me, Page, SearchResults};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let me = Resource::new(|| (), |_| load_me());
    let results = Resource::new(q, |q| async move {
        if q.trim().is_empty() {
            return Ok(None);
        }
        load::<SearchResults>(format!("/api/search?q={}", encode(&q)))
            .await
            .map(Some)
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Searching…"</p> }>
            {move || Suspend::new(async move {
                let (me, results) = (me.await, results.await);
                view! { <SearchView me q=q() results/> }
            })}
        </Suspense>
    }
}

#[component]
fn SearchView(
    me: Option<Me>,
    q: String,
    results: Result<Option<SearchResults>, String>,
) -> impl IntoView {
    let (_, connection, unread) = page_frame(me);
    let found = match results {
        Ok(Some(results)) => {
            let page = Page {
                items: results.posts,
                next: None,
                position: results.position,
                stale: false,
            };
            let posts = RwSignal::new(items_of(&page));
            let people = results.users;
            view! {
                <section class="people" aria-label="People">
                    <h3>"People"</h3>
                    <Show when={let none = people.is_empty(); move || none}>
                        <p class="empty">"Nobody by that name."</p>
                    </Show>
                    <ul>
                        {people.into_iter().map(|user| {
                            let href = format!("/u/{}", user.handle);
                            view! { <li><a href=href>{user.display_name}" @"{user.handle}</a></li> }
                        }).collect_view()}
                    </ul>
                </section>
                <section class="timeline" aria-label="Posts">
                    <h3>"Posts"</h3>
                    <PostList items=posts empty="No post has these words."/>
                </section>
            }
            .into_any()
        }
        Ok(None) => {
            view! { <p>"Search posts by their words, people by handle or name."</p> }.into_any()
        }
        Err(error) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
    };
    view! {
        <SiteHeader connection unread/>
        <main class="search">
            <form method="get" action="/search" role="search">
                <label for="search-q">"Search"</label>
                <input id="search-q" type="search" name="q" value=q maxlength="200"/>
                <button type="submit">"Search"</button>
            </form>
            {found}
        </main>
    }
}
