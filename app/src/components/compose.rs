//! The compose box: a post appears at once as pending, and is confirmed by the live push.

use super::Item;
use crate::wire::Me;
use leptos::prelude::*;

#[component]
pub fn Compose(me: RwSignal<Option<Me>>, posts: RwSignal<Vec<Item>>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        submit(me, posts, text, error);
        #[cfg(not(feature = "hydrate"))]
        let _ = (me, posts);
    };
    let count = move || text.with(|t| t.trim().chars().count());
    view! {
        <form class="compose" aria-label="Compose" on:submit=on_submit>
            <label for="post-text">"Post text"</label>
            <textarea id="post-text" name="text" rows="3" placeholder="What is happening?" bind:value=text></textarea>
            <div class="compose-bar">
                <span class="count" class:over=move || { count() > 500 }>{move || format!("{}/500", count())}</span>
                <button type="submit">"Post"</button>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get()}</p>
            </Show>
        </form>
    }
}

#[cfg(feature = "hydrate")]
fn submit(
    me: RwSignal<Option<Me>>,
    posts: RwSignal<Vec<Item>>,
    text: RwSignal<String>,
    error: RwSignal<Option<String>>,
) {
    use crate::wire::{Author, CommandAnswer, CommandRequest, Post};
    use uuid::Uuid;
    let Some(me) = me.get_untracked() else { return };
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
        reply_to: None,
        likes: 0,
        reposts: 0,
        replies: 0,
        liked_by_me: false,
        reposted_by_me: false,
        repost_of: None,
    };
    posts.update(|list| {
        list.insert(
            0,
            Item {
                post: optimistic,
                pending: true,
            },
        )
    });
    text.set(String::new());
    error.set(None);
    leptos::task::spawn_local(async move {
        let request = CommandRequest {
            command_id: Uuid::now_v7(),
            command_type: "CreatePost".into(),
            payload: serde_json::json!({ "post_id": post_id, "text": body }),
            expected_version: None,
        };
        match crate::client::post::<_, CommandAnswer>("/api/commands", &request).await {
            // The live push replaces the pending post; without a live connection, read our write.
            Ok(answer) => crate::pages::home::refresh_if_pending(posts, post_id, answer.position),
            Err(failure) => {
                posts.update(|list| list.retain(|item| item.post.id != post_id));
                text.set(body);
                error.set(Some(failure.message));
            }
        }
    });
}
