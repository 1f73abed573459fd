//! A list of posts from a query, kept live by its topic; a `resync` refetches the query.

use super::connection::Connection;
use super::post_list::{items_of, PostList};
use crate::wire::{Page, Post};
use leptos::prelude::*;

#[component]
pub fn LivePosts(
    page: Page<Post>,
    /// The topic that pushes this list's changes (`tag:rust`, `user:ann`).
    topic: String,
    /// The API query of this list, refetched on `resync`.
    source: String,
    #[prop(into)] empty: String,
) -> impl IntoView {
    let items = RwSignal::new(items_of(&page));
    let position = RwSignal::new(page.position);
    let connection = use_context::<RwSignal<Connection>>()
        .unwrap_or_else(|| RwSignal::new(Connection::Connecting));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let source = source.clone();
        crate::client::follow(
            topic.clone(),
            move || Some(position.get_untracked()),
            connection,
            move |frame| {
                if crate::components::post_list::apply(frame, items, position) {
                    let source = source.clone();
                    leptos::task::spawn_local(async move {
                        if let Ok(page) = crate::client::get::<Page<Post>>(&source).await {
                            items.update(|list| {
                                *list =
                                    crate::components::post_list::refetched(list, page.items, true)
                            });
                            position.set(page.position);
                        }
                    });
                }
            },
        );
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (topic, source, connection);
    view! {
        <div class="posts" data-position=move || position.get()>
            <PostList items empty/>
        </div>
    }
}
