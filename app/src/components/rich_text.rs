//! A post's text with its `@mentions` and `#tags` as links (the grammar is `crate::text`'s, the
//! server's own). The text is put into the page as text
//! nodes (Leptos escapes it), never as HTML: a post containing `<script>` shows as those characters.

use crate::text::{pieces, Piece};
use leptos::prelude::*;

#[component]
pub fn RichText(text: String) -> impl IntoView {
    pieces(&text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.into_any(),
            Piece::Mention(handle) => {
                let href = format!("/u/{}", handle.to_lowercase());
                view! { <a class="mention" href=href>"@"{handle}</a> }.into_any()
            }
            Piece::Tag(tag) => {
                let href = format!("/t/{}", tag.to_lowercase());
                view! { <a class="tag" href=href>"#"{tag}</a> }.into_any()
            }
        })
        .collect_view()
}
