//! A live list of posts: rendered from a page of a query, then kept current by the changes of its
//! topic (new and edited posts, removals, counts).

use super::post_card::PostCard;
use super::{Item, Status};
use crate::wire::{Page, Post};
use leptos::prelude::*;

/// The items of a first page, none pending.
pub fn items_of(page: &Page<Post>) -> Vec<Item> {
    page.items.iter().cloned().map(Item::shown).collect()
}

/// A list read again, keeping what only this page has (see [`Item::is_local`]) where new items
/// go: on top of a newest-first list, or at the end of an oldest-first one.
pub fn refetched(list: &[Item], fetched: Vec<Post>, local_on_top: bool) -> Vec<Item> {
    let fetched: Vec<Item> = fetched.into_iter().map(Item::shown).collect();
    let local: Vec<Item> = list
        .iter()
        .filter(|item| item.is_local() && !fetched.iter().any(|f| f.post.id == item.post.id))
        .cloned()
        .collect();
    if local_on_top {
        local.into_iter().chain(fetched).collect()
    } else {
        fetched.into_iter().chain(local).collect()
    }
}

/// The key of a card in a list: what makes it render again: the post's identity and everything it
/// shows that can change.
pub fn key(item: &Item) -> (uuid::Uuid, Status, u64, u64, u64, bool, bool, String) {
    let p = &item.post;
    (
        p.id,
        item.status.clone(),
        p.likes,
        p.reposts,
        p.replies,
        p.liked_by_me,
        p.reposted_by_me,
        p.edited_at.clone().unwrap_or_default(),
    )
}

#[component]
pub fn PostList(items: RwSignal<Vec<Item>>, #[prop(into)] empty: String) -> impl IntoView {
    view! {
        <Show when=move || items.with(Vec::is_empty)>
            <p class="empty">{empty.clone()}</p>
        </Show>
        <For each=move || items.get() key=key let:item>
            <PostCard item/>
        </For>
    }
}

/// Inserts a post at the top, or replaces (and confirms) the one with its id: a pushed post and
/// the page's own pending copy of it are one item, never two.
pub fn upsert(list: &mut Vec<Item>, post: Post) {
    match list.iter_mut().find(|item| item.post.id == post.id) {
        Some(item) => {
            // A pushed post carries no viewer flags: keep the ones this page knows.
            let (liked, reposted) = (item.post.liked_by_me, item.post.reposted_by_me);
            *item = Item::shown(Post {
                liked_by_me: liked || post.liked_by_me,
                reposted_by_me: reposted || post.reposted_by_me,
                ..post
            });
        }
        None => list.insert(0, Item::shown(post)),
    }
}

/// Applies one change of a topic to a list of posts; answers whether the client must refetch.
pub fn apply(
    frame: crate::wire::ServerFrame,
    items: RwSignal<Vec<Item>>,
    position: RwSignal<u64>,
) -> bool {
    use crate::wire::{ChangeKind, ServerFrame};
    let ServerFrame::Change {
        kind,
        data,
        position: at,
        ..
    } = frame
    else {
        return matches!(frame, ServerFrame::Resync { .. });
    };
    match kind {
        ChangeKind::Upsert => {
            if let Ok(post) = serde_json::from_value::<Post>(data) {
                items.update(|list| upsert(list, post));
            }
        }
        ChangeKind::Remove => {
            if let Ok(id) = serde_json::from_value::<uuid::Uuid>(data) {
                items.update(|list| list.retain(|item| item.post.id != id));
            }
        }
        ChangeKind::Counts => {
            let id = data
                .get("id")
                .and_then(|id| serde_json::from_value::<uuid::Uuid>(id.clone()).ok());
            let count = |field: &str| data.get(field).and_then(serde_json::Value::as_u64);
            items.update(|list| {
                if let Some(item) = list.iter_mut().find(|item| Some(item.post.id) == id) {
                    item.post.likes = count("likes").unwrap_or(item.post.likes);
                    item.post.reposts = count("reposts").unwrap_or(item.post.reposts);
                    item.post.replies = count("replies").unwrap_or(item.post.replies);
                }
            });
        }
        ChangeKind::Event => {}
    }
    position.update(|p| *p = (*p).max(at));
    false
}
