//! The compose box: a post (or a reply) appears at once as pending, and is confirmed by the live
//! push or, failing that, by reading it back at the command's position; a refusal takes it away and
//! says why.

use super::session::Session;
use super::Item;
use leptos::prelude::*;

#[component]
pub fn Compose(
    posts: RwSignal<Vec<Item>>,
    /// The post this box replies to; a reply joins the end of the list, a post its top.
    #[prop(optional)]
    reply_to: Option<uuid::Uuid>,
) -> impl IntoView {
    let session = Session::get();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        submit(session, posts, reply_to, text, error);
        #[cfg(not(feature = "hydrate"))]
        let _ = (session, posts, reply_to);
    };
    let count = move || text.with(|t| t.trim().chars().count());
    let (label, placeholder, button, id) = if reply_to.is_some() {
        ("Reply text", "Write a reply", "Reply", "reply-text")
    } else {
        ("Post text", "What is happening?", "Post", "post-text")
    };
    view! {
        <form class="compose" aria-label=if reply_to.is_some() { "Reply" } else { "Compose" } on:submit=on_submit>
            <label for=id>{label}</label>
            <textarea id=id name="text" rows="3" placeholder=placeholder bind:value=text></textarea>
            <div class="compose-bar">
                <span class="count" class:over=move || { count() > 500 }>{move || format!("{}/500", count())}</span>
                <button type="submit">{button}</button>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get()}</p>
            </Show>
        </form>
    }
}

#[cfg(feature = "hydrate")]
fn submit(
    session: Session,
    posts: RwSignal<Vec<Item>>,
    reply_to: Option<uuid::Uuid>,
    text: RwSignal<String>,
    error: RwSignal<Option<String>>,
) {
    use crate::wire::{Author, Post};
    use uuid::Uuid;
    let Some(me) = session.0.get_untracked() else {
        return;
    };
    let body = text.get_untracked();
    if body.trim().is_empty() {
        error.set(Some("Write something first.".into()));
        return;
    }
    let post_id = Uuid::now_v7();
    let optimistic = Post {
        id: post_id,
        author: Author {
            handle: me.user.handle,
            display_name: me.user.display_name,
        },
        text: body.trim().to_owned(),
        created_at: String::new(),
        edited_at: None,
        reply_to,
        likes: 0,
        reposts: 0,
        replies: 0,
        liked_by_me: false,
        reposted_by_me: false,
        repost_of: None,
    };
    let pending = Item {
        post: optimistic,
        pending: true,
    };
    posts.update(|list| match reply_to {
        Some(_) => list.push(pending),
        None => list.insert(0, pending),
    });
    text.set(String::new());
    error.set(None);
    leptos::task::spawn_local(async move {
        let payload = serde_json::json!({ "post_id": post_id, "text": body, "reply_to": reply_to });
        match crate::client::command("CreatePost", payload).await {
            Ok(answer) => confirm(posts, post_id, answer.position).await,
            Err(failure) => {
                posts.update(|list| list.retain(|item| item.post.id != post_id));
                text.set(body);
                error.set(Some(failure.message));
            }
        }
    });
}

/// Reads the post back once the read model has it (unless the live push confirmed it first).
#[cfg(feature = "hydrate")]
pub async fn confirm(posts: RwSignal<Vec<Item>>, post_id: uuid::Uuid, position: u64) {
    let still_pending = || {
        posts.with_untracked(|list| {
            list.iter()
                .any(|item| item.post.id == post_id && item.pending)
        })
    };
    if !still_pending() {
        return;
    }
    let url = format!("/api/posts/{post_id}?min_position={position}");
    if let Ok(thread) = crate::client::get::<crate::wire::Thread>(&url).await {
        posts.update(|list| {
            if let Some(item) = list.iter_mut().find(|item| item.post.id == post_id) {
                *item = Item {
                    post: thread.post,
                    pending: false,
                };
            }
        });
    }
}
