//! Pieces of pages. Each file is one component (or a small family of them).

pub mod admin;
pub mod auth_forms;
pub mod compose;
pub mod connection;
pub mod ledger;
pub mod live_posts;
pub mod post_card;
pub mod post_list;
pub mod rich_text;
pub mod session;
pub mod site_header;
pub mod tip;
pub mod user_bar;
pub mod wallet_forms;
pub mod wallet_state;

use crate::wire::Post;

/// A post as a list shows it: `pending` while the server has not confirmed it yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub post: Post,
    pub pending: bool,
}
