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

/// Where the server is with a post the page shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// As the server has it.
    Shown,
    /// Shown at once, before the server has it (an id the client chose).
    Pending,
    /// The server refused it, for this reason: shown struck through for a moment, then taken away.
    RolledBack(String),
}

/// A post as a list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub post: Post,
    pub status: Status,
}

impl Item {
    /// A post as the server answered it.
    pub fn shown(post: Post) -> Item {
        Item {
            post,
            status: Status::Shown,
        }
    }

    pub fn is_pending(&self) -> bool {
        self.status == Status::Pending
    }

    /// Only this page has it (pending, or refused and about to go): a refetch must not drop it.
    pub fn is_local(&self) -> bool {
        self.status != Status::Shown
    }
}
