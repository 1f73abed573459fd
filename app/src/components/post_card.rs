//! One post, as an `<article>`.

use super::Item;
use leptos::prelude::*;

/// `2026-11-23T17:28:05.123456Z` → `17:28` (the same on server and browser, so hydration agrees).
fn clock(created_at: &str) -> String {
    created_at.get(11..16).unwrap_or_default().to_owned()
}

#[component]
pub fn PostCard(item: Item) -> impl IntoView {
    let Item { post, pending } = item;
    view! {
        <article class="post" class:pending=pending aria-busy=pending.then_some("true") data-post-id=post.id.to_string()>
            <header>
                <strong class="name">{post.author.display_name}</strong>
                " "
                <span class="handle">"@"{post.author.handle}</span>
                " "
                {if pending {
                    view! { <span class="sending">"sending…"</span> }.into_any()
                } else {
                    view! { <time datetime=post.created_at.clone()>{clock(&post.created_at)}</time> }.into_any()
                }}
            </header>
            <p class="text">{post.text}</p>
        </article>
    }
}
