//! `/p/:id`: a post in its thread — what it answers above, its replies below, a reply box, and for
//! its author an edit box — live on the post's topic.

use crate::components::compose::Compose;
use crate::components::connection::Connection;
use crate::components::post_card::PostCard;
use crate::components::post_list::PostList;
use crate::components::site_header::{page_frame, SiteHeader};
use crate::components::Item;
use crate::data::{load, load_me};
use crate::wire::{Me, Post, Thread};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ThreadPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let me = Resource::new(|| (), |_| load_me());
    let thread = Resource::new(id, |id| load::<Thread>(format!("/api/posts/{id}")));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, thread) = (me.await, thread.await);
                view! { <ThreadView me thread/> }
            })}
        </Suspense>
    }
}

#[component]
fn ThreadView(me: Option<Me>, thread: Result<Thread, String>) -> impl IntoView {
    let (session, connection, unread) = page_frame(me);
    let thread = match thread {
        Ok(thread) => thread,
        Err(error) => {
            return view! {
                <SiteHeader connection unread/>
                <main class="thread"><p class="error" role="alert">{error}</p></main>
            }
            .into_any()
        }
    };
    let post_id = thread.post.id;
    let own = session.handle().as_deref() == Some(thread.post.author.handle.as_str());
    let focus = RwSignal::new(vec![Item::shown(thread.post.clone())]);
    let replies = RwSignal::new(
        thread
            .replies
            .into_iter()
            .map(Item::shown)
            .collect::<Vec<_>>(),
    );
    let position = RwSignal::new(thread.position);
    follow_thread(post_id, focus, replies, position, connection);
    let ancestors = thread
        .ancestors
        .into_iter()
        .map(Item::shown)
        .collect::<Vec<_>>();
    let signed_in = move || session.0.with(Option::is_some);
    view! {
        <SiteHeader connection unread/>
        <main class="thread" data-position=move || position.get()>
            <section class="ancestors" aria-label="Earlier in the thread">
                {ancestors.into_iter().map(|item| view! { <PostCard item/> }).collect_view()}
            </section>
            <section class="focus" aria-label="Post">
                <PostList items=focus empty="This post is gone."/>
                {own.then(|| view! { <EditBox post=thread.post.clone() focus/> })}
            </section>
            <section class="replies" aria-label="Replies" id="reply">
                <h3>"Replies"</h3>
                <PostList items=replies empty="No replies yet."/>
                <Show when=signed_in fallback=|| view! { <p><a href="/">"Sign in"</a>" to reply."</p> }>
                    <Compose posts=replies reply_to=post_id/>
                </Show>
            </section>
        </main>
    }
    .into_any()
}

/// The post's topic: its own edits and counts go to `focus`, new replies to `replies`.
fn follow_thread(
    post_id: uuid::Uuid,
    focus: RwSignal<Vec<Item>>,
    replies: RwSignal<Vec<Item>>,
    position: RwSignal<u64>,
    connection: RwSignal<Connection>,
) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use crate::components::post_list::{apply, refetched};
        use crate::wire::{ChangeKind, ServerFrame};
        crate::client::follow(
            format!("post:{post_id}"),
            move || Some(position.get_untracked()),
            connection,
            move |frame| {
                let about_focus = match &frame {
                    ServerFrame::Change {
                        kind: ChangeKind::Remove | ChangeKind::Counts,
                        data,
                        ..
                    } => {
                        data.get("id").unwrap_or(data).as_str()
                            == Some(post_id.to_string().as_str())
                    }
                    ServerFrame::Change { data, .. } => {
                        data.get("id").and_then(|id| id.as_str())
                            == Some(post_id.to_string().as_str())
                    }
                    _ => false,
                };
                let list = if about_focus { focus } else { replies };
                if let ServerFrame::Change {
                    kind: ChangeKind::Upsert,
                    data,
                    position: at,
                    ..
                } = &frame
                {
                    // A new reply joins the end of the list, oldest first.
                    if !about_focus {
                        if let Ok(post) = serde_json::from_value::<Post>(data.clone()) {
                            replies.update(|list| {
                                // This page's own pending reply and its push are one.
                                match list.iter_mut().find(|i| i.post.id == post.id) {
                                    Some(existing) => *existing = Item::shown(post),
                                    None => list.push(Item::shown(post)),
                                }
                            });
                            position.update(|p| *p = (*p).max(*at));
                            return;
                        }
                    }
                }
                if apply(frame, list, position) {
                    leptos::task::spawn_local(async move {
                        let url = format!("/api/posts/{post_id}");
                        if let Ok(thread) = crate::client::get::<Thread>(&url).await {
                            focus.set(vec![Item::shown(thread.post)]);
                            replies.update(|list| *list = refetched(list, thread.replies, false));
                            position.set(thread.position);
                        }
                    });
                }
            },
        );
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (post_id, focus, replies, position, connection);
}

/// The author's edit box: the new text shows at once, and goes back if the server refuses it.
#[component]
fn EditBox(post: Post, focus: RwSignal<Vec<Item>>) -> impl IntoView {
    let text = RwSignal::new(post.text.clone());
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    let post_id = post.id;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let before = focus.get_untracked();
        let new_text = text.get_untracked().trim().to_owned();
        focus.update(|list| {
            if let Some(item) = list.first_mut() {
                item.post.text = new_text.clone();
                item.post.edited_at =
                    Some(item.post.edited_at.clone().unwrap_or_else(|| "now".into()));
            }
        });
        open.set(false);
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let payload = serde_json::json!({ "post_id": post_id, "text": new_text });
            if let Err(failure) = crate::client::command("EditPost", payload).await {
                focus.set(before);
                error.set(Some(failure.message));
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (before, post_id);
    };
    view! {
        <div class="edit">
            <button type="button" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                "Edit"
            </button>
            <Show when=move || open.get()>
                <form class="compose" aria-label="Edit post" on:submit=on_submit>
                    <label for="edit-text">"New text"</label>
                    <textarea id="edit-text" rows="3" bind:value=text></textarea>
                    <button type="submit">"Save"</button>
                </form>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get()}</p>
            </Show>
        </div>
    }
}
