//! One post, as an `<article>`: who wrote it, when (a link to its thread), its text with mentions
//! and tags as links, and what can be done with it (reply, like, repost, tip), each at once on the
//! page and rolled back, with the reason, if the server refuses it.

use super::rich_text::RichText;
use super::session::{Mine, Own, Sending, Session};
use super::tip::Tip;
use super::{Item, Status};
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
    let Item { post, status } = item;
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
    let (shown, pending) = (status == Status::Shown, status == Status::Pending);
    let class = match status {
        Status::Shown => "post",
        Status::Pending => "post pending",
        Status::RolledBack(_) => "post rolled-back",
    };
    let when = match &status {
        Status::Shown => view! {
            <a class="when" href=thread title=date_and_clock(&created_at)>
                <time datetime=created_at.clone()>{clock(&created_at)}</time>
            </a>
        }
        .into_any(),
        Status::Pending => view! { <span class="sending">"sending…"</span> }.into_any(),
        Status::RolledBack(_) => view! { <span class="sending">"not posted"</span> }.into_any(),
    };
    let refused = match status {
        Status::RolledBack(reason) => Some(view! { <p class="reason" role="alert">{reason}</p> }),
        _ => None,
    };
    // Only a post the server has can be answered, liked or tipped.
    let actions = shown.then(|| view! { <PostActions post/> });
    view! {
        <article class=class aria-busy=pending.then_some("true") data-post-id=id>
            <header>
                <a class="author" href=author>
                    <strong class="name">{name}</strong>
                    " "
                    <span class="handle">"@"{handle}</span>
                </a>
                " "
                {when}
                {edited.then(|| view! { " " <a class="edited" href=history>"edited"</a> })}
                {why.map(|why| view! { " " <span class="why">{why}</span> })}
            </header>
            <p class="text"><RichText text/></p>
            {refused}
            {actions}
        </article>
    }
}

/// Reply, like, repost and tip. A like or repost shows at once, marked as sending, and is undone
/// with the reason if the server says no; a tip shows pending at once and then how it ended.
#[component]
fn PostActions(post: Post) -> impl IntoView {
    let session = Session::get();
    let mine = Mine::get();
    let thread = format!("/p/{}#reply", post.id);
    // The tip decides itself whether the viewer may tip (signed in, not the author).
    let (id, author) = (post.id, post.author.handle.clone());
    let server = (post.liked_by_me, post.reposted_by_me);
    let own = Signal::derive(move || mine.of(id, server));
    // The counts as the server last told them, moved at once by the viewer's own action.
    let counts = RwSignal::new(Counts {
        likes: post.likes,
        reposts: post.reposts,
    });
    let replies = post.replies;
    let is_own = session.handle().as_deref() == Some(post.author.handle.as_str());
    let signed_out = move || session.0.with(Option::is_none);
    let sending = move |what: Sending| own.with(|own| own.sending == Some(what));
    let like = move |_| {
        let act = if own.with_untracked(|own| own.liked) {
            Act::Unlike
        } else {
            Act::Like
        };
        act.run(id, server, counts, mine);
    };
    let repost = move |_| Act::Repost.run(id, server, counts, mine);
    view! {
        <footer class="actions">
            <a class="reply" href=thread aria-label=format!("Reply ({replies} replies)")>
                "Reply " <span class="count">{replies}</span>
            </a>
            <button type="button" class="like" disabled=signed_out
                class:pending=move || sending(Sending::Like)
                aria-busy=move || sending(Sending::Like).then_some("true")
                aria-pressed=move || own.with(|own| own.liked.to_string())
                aria-label=move || format!("Like ({} likes)", counts.with(|c| c.likes))
                on:click=like>
                {move || if own.with(|own| own.liked) { "Liked " } else { "Like " }}
                <span class="count">{move || counts.with(|c| c.likes)}</span>
            </button>
            <button type="button" class="repost"
                disabled=move || signed_out() || is_own || own.with(|own| own.reposted)
                class:pending=move || sending(Sending::Repost)
                aria-busy=move || sending(Sending::Repost).then_some("true")
                aria-pressed=move || own.with(|own| own.reposted.to_string())
                aria-label=move || format!("Repost ({} reposts)", counts.with(|c| c.reposts))
                on:click=repost>
                {move || if own.with(|own| own.reposted) { "Reposted " } else { "Repost " }}
                <span class="count">{move || counts.with(|c| c.reposts)}</span>
            </button>
            <Show when=move || own.with(|own| own.sending.is_some())>
                <span class="sending">"sending…"</span>
            </Show>
            <Tip post_id=id to=author/>
            <Show when=move || own.with(|own| own.refused.is_some())>
                <span class="error" role="alert">{move || own.with(|own| own.refused.clone())}</span>
            </Show>
        </footer>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    likes: u64,
    reposts: u64,
}

/// One of the viewer's actions on a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Like,
    Unlike,
    Repost,
}

impl Act {
    #[cfg(feature = "hydrate")]
    fn command(self) -> &'static str {
        match self {
            Act::Like => "LikePost",
            Act::Unlike => "UnlikePost",
            Act::Repost => "Repost",
        }
    }

    fn sending(self) -> Sending {
        match self {
            Act::Like | Act::Unlike => Sending::Like,
            Act::Repost => Sending::Repost,
        }
    }

    /// The viewer's state once it is done.
    fn done(self, own: &mut Own) {
        match self {
            Act::Like => own.liked = true,
            Act::Unlike => own.liked = false,
            Act::Repost => own.reposted = true,
        }
    }

    /// The count it moves: one up (an unlike: one down), or back when `undo`.
    fn shift(self, counts: &mut Counts, undo: bool) {
        let count = match self {
            Act::Like | Act::Unlike => &mut counts.likes,
            Act::Repost => &mut counts.reposts,
        };
        *count = if (self == Act::Unlike) == undo {
            *count + 1
        } else {
            count.saturating_sub(1)
        };
    }

    /// Shows the action at once, marked as sending; the answer confirms it, or a refusal puts the
    /// viewer's state and the counts back and says why. One action at a time per post.
    fn run(self, id: uuid::Uuid, server: (bool, bool), counts: RwSignal<Counts>, mine: Mine) {
        let before = mine.of_untracked(id, server);
        if before.sending.is_some() {
            return;
        }
        let mut after = Own {
            sending: Some(self.sending()),
            refused: None,
            ..before.clone()
        };
        self.done(&mut after);
        mine.set(id, after);
        counts.update(|counts| self.shift(counts, false));
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let payload = serde_json::json!({ "post_id": id });
            match crate::client::command(self.command(), payload).await {
                Ok(_) => mine.0.update(|mine| {
                    if let Some(own) = mine.get_mut(&id) {
                        own.sending = None;
                    }
                }),
                Err(failure) => {
                    // The card may have been drawn again meanwhile, from the server's counts:
                    // then this one is gone, and updating its counts does nothing.
                    counts.update(|counts| self.shift(counts, true));
                    let refused = Some(failure.message);
                    mine.set(id, Own { refused, ..before });
                }
            }
        });
    }
}
