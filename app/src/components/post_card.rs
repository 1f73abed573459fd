//! One post, as an `<article>`: who wrote it, when (a link to its thread), its text with mentions
//! and tags as links, and what can be done with it (reply, like, repost, tip), each at once on the
//! page and rolled back, with the reason, if the server refuses it.

use super::rich_text::RichText;
use super::session::{Mine, Session};
use super::tip::Tip;
use super::Item;
use crate::wire::Post;
use leptos::prelude::*;

/// `2026-11-23T17:28:05.123456Z` → `17:28` (the same on server and browser, so hydration agrees).
fn clock(created_at: &str) -> String {
    created_at.get(11..16).unwrap_or_default().to_owned()
}

/// `2026-11-23T17:28:05Z` → `2026-11-23 17:28`.
fn date_and_clock(at: &str) -> String {
    format!("{} {}", at.get(..10).unwrap_or_default(), clock(at))
}

#[component]
pub fn PostCard(item: Item, #[prop(optional_no_strip)] why: Option<String>) -> impl IntoView {
    let Item { post, pending } = item;
    let thread = format!("/p/{}", post.id);
    let history = format!("/p/{}/history", post.id);
    let author = format!("/u/{}", post.author.handle);
    let edited = post.edited_at.is_some();
    let created_at = post.created_at.clone();
    let id = post.id.to_string();
    let (name, handle, text) = (
        post.author.display_name.clone(),
        post.author.handle.clone(),
        post.text.clone(),
    );
    let actions = (!pending).then(|| view! { <PostActions post/> });
    view! {
        <article class="post" class:pending=pending aria-busy=pending.then_some("true") data-post-id=id>
            <header>
                <a class="author" href=author>
                    <strong class="name">{name}</strong>
                    " "
                    <span class="handle">"@"{handle}</span>
                </a>
                " "
                {if pending {
                    view! { <span class="sending">"sending…"</span> }.into_any()
                } else {
                    view! {
                        <a class="when" href=thread.clone() title=date_and_clock(&created_at)>
                            <time datetime=created_at.clone()>{clock(&created_at)}</time>
                        </a>
                    }.into_any()
                }}
                {edited.then(|| view! { " " <a class="edited" href=history>"edited"</a> })}
                {why.map(|why| view! { " " <span class="why">{why}</span> })}
            </header>
            <p class="text"><RichText text/></p>
            {actions}
        </article>
    }
}

/// Reply, like, repost and tip. A like or repost shows at once and is undone if the server says no;
/// a tip shows pending at once and then how it ended.
#[component]
fn PostActions(post: Post) -> impl IntoView {
    let session = Session::get();
    let mine = Mine::get();
    let thread = format!("/p/{}#reply", post.id);
    // The tip decides itself whether the viewer may tip (signed in, not the author).
    let (post_id, author) = (post.id, post.author.handle.clone());
    let state = RwSignal::new(mine.apply(post.clone()));
    let error = RwSignal::new(None::<String>);
    let own = move || session.handle().as_deref() == Some(post.author.handle.as_str());
    let signed_out = move || session.0.with(Option::is_none);
    let like = move |_| toggle_like(state, error, mine);
    let repost = move |_| do_repost(state, error, mine);
    view! {
        <footer class="actions">
            <a class="reply" href=thread aria-label=move || format!("Reply ({} replies)", state.with(|p| p.replies))>
                "Reply " <span class="count">{move || state.with(|p| p.replies)}</span>
            </a>
            <button type="button" class="like" disabled=signed_out
                aria-pressed=move || state.with(|p| p.liked_by_me.to_string())
                aria-label=move || format!("Like ({} likes)", state.with(|p| p.likes))
                on:click=like>
                {move || if state.with(|p| p.liked_by_me) { "Liked " } else { "Like " }}
                <span class="count">{move || state.with(|p| p.likes)}</span>
            </button>
            <button type="button" class="repost" disabled=move || signed_out() || own() || state.with(|p| p.reposted_by_me)
                aria-pressed=move || state.with(|p| p.reposted_by_me.to_string())
                aria-label=move || format!("Repost ({} reposts)", state.with(|p| p.reposts))
                on:click=repost>
                {move || if state.with(|p| p.reposted_by_me) { "Reposted " } else { "Repost " }}
                <span class="count">{move || state.with(|p| p.reposts)}</span>
            </button>
            <Tip post_id to=author/>
            <Show when=move || error.with(Option::is_some)>
                <span class="error" role="alert">{move || error.get()}</span>
            </Show>
        </footer>
    }
}

fn toggle_like(state: RwSignal<Post>, error: RwSignal<Option<String>>, mine: Mine) {
    let before = state.get_untracked();
    let liking = !before.liked_by_me;
    state.update(|p| {
        p.liked_by_me = liking;
        p.likes = if liking {
            p.likes + 1
        } else {
            p.likes.saturating_sub(1)
        };
    });
    mine.remember(&state.get_untracked());
    error.set(None);
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let command = if liking { "LikePost" } else { "UnlikePost" };
        let payload = serde_json::json!({ "post_id": before.id });
        if let Err(failure) = crate::client::command(command, payload).await {
            mine.remember(&before);
            state.set(before);
            error.set(Some(failure.message));
        }
    });
}

fn do_repost(state: RwSignal<Post>, error: RwSignal<Option<String>>, mine: Mine) {
    let before = state.get_untracked();
    state.update(|p| {
        p.reposted_by_me = true;
        p.reposts += 1;
    });
    mine.remember(&state.get_untracked());
    error.set(None);
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let payload = serde_json::json!({ "post_id": before.id });
        if let Err(failure) = crate::client::command("Repost", payload).await {
            mine.remember(&before);
            state.set(before);
            error.set(Some(failure.message));
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = before;
}
