//! The compose box: a post (or a reply) appears at once as pending, and is confirmed by the live
//! push or, at the latest, by the command's answer; a refusal marks it rolled back with the reason
//! for a moment, then takes it away, and gives the words back to the box.

use super::session::Session;
use super::Item;
#[cfg(feature = "hydrate")]
use super::Status;
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
    // The client chooses the id, so the pushed post and this copy are recognised as one.
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
        status: Status::Pending,
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
                // The words come back to the box for another try, unless a new text is under way.
                if text.try_get_untracked().is_some_and(|now| now.is_empty()) {
                    text.set(body);
                }
                roll_back(posts, post_id, failure.message).await;
            }
        }
    });
}

/// The server took the post. Unless its push confirmed it already, it is shown as normal now (with
/// this moment as its time), then read back at the command's position for what only the server
/// knows.
#[cfg(feature = "hydrate")]
async fn confirm(posts: RwSignal<Vec<Item>>, post_id: uuid::Uuid, position: u64) {
    let pending = posts
        .try_with_untracked(|list| {
            list.iter()
                .any(|item| item.post.id == post_id && item.is_pending())
        })
        .unwrap_or(false);
    if !pending {
        return;
    }
    let now = String::from(web_sys::js_sys::Date::new_0().to_iso_string());
    posts.update(|list| {
        if let Some(item) = list.iter_mut().find(|item| item.post.id == post_id) {
            item.post.created_at = now;
            item.status = Status::Shown;
        }
    });
    let url = format!("/api/posts/{post_id}?min_position={position}");
    if let Ok(thread) = crate::client::get::<crate::wire::Thread>(&url).await {
        posts.update(|list| {
            if let Some(item) = list.iter_mut().find(|item| item.post.id == post_id) {
                *item = Item::shown(thread.post);
            }
        });
    }
}

/// How long a refused post stays on the page, struck through with the reason, before it goes.
#[cfg(feature = "hydrate")]
const ROLLED_BACK_FOR: std::time::Duration = std::time::Duration::from_secs(4);

/// The server refused the post: it is marked so, with the reason, and then taken away.
#[cfg(feature = "hydrate")]
async fn roll_back(posts: RwSignal<Vec<Item>>, post_id: uuid::Uuid, reason: String) {
    posts.update(|list| {
        if let Some(item) = list.iter_mut().find(|item| item.post.id == post_id) {
            item.status = Status::RolledBack(reason);
        }
    });
    gloo_timers::future::sleep(ROLLED_BACK_FOR).await;
    posts.update(|list| {
        list.retain(|item| !(item.post.id == post_id && item.is_local()));
    });
}
