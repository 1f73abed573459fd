//! The shapes of `shared/API.md`, shared by the server (which answers them) and the browser (which
//! reads them). One definition each, so the two sides cannot drift apart.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub handle: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: User,
    pub is_admin: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignUp {
    #[cfg_attr(feature = "ssr", schema(pattern = "^[a-z0-9_]{3,20}$"))]
    pub handle: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 8))]
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignIn {
    pub handle: String,
    pub password: String,
}

/// `POST /api/me/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangePassword {
    pub current: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 8))]
    pub new: String,
}

/// The answer of sign-up (with the position of `UserRegistered`) and of sign-in (without).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuthAnswer {
    pub user: User,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
}

/// `POST /api/commands`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CommandRequest {
    pub command_id: Uuid,
    #[serde(rename = "type")]
    pub command_type: String,
    #[serde(default)]
    pub payload: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AppendedEvent {
    pub position: u64,
    pub stream: String,
    pub version: u64,
    #[serde(rename = "type")]
    pub event_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CommandAnswer {
    pub command_id: Uuid,
    /// The consistency token: pass it as `min_position` to read your own write.
    pub position: u64,
    pub duplicate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub events: Vec<AppendedEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Author {
    pub handle: String,
    pub display_name: String,
}

/// A person in a list (followers, following, muted, blocked, search): the contract's "users".
pub type UserSummary = Author;

/// `GET /api/users/{handle}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Profile {
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub followers: u64,
    pub following: u64,
    pub posts: u64,
    pub you_follow: bool,
    pub follows_you: bool,
    /// Whether the viewer muted or blocked this person (an extension of the contract).
    #[serde(default)]
    pub muted: bool,
    #[serde(default)]
    pub blocked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Post {
    pub id: Uuid,
    pub author: Author,
    pub text: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    pub reply_to: Option<Uuid>,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
    pub liked_by_me: bool,
    pub reposted_by_me: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repost_of: Option<Uuid>,
}

/// `GET /api/posts/{id}`: a post with the posts it answers (oldest first) and its replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Thread {
    pub post: Post,
    pub ancestors: Vec<Post>,
    pub replies: Vec<Post>,
    pub position: u64,
    #[serde(default)]
    pub stale: bool,
}

/// One version of a post (`GET /api/posts/{id}/history`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PostVersion {
    pub text: String,
    pub at: String,
    pub position: u64,
}

/// Why an item is in a home timeline: `own`, `follow`, `repost` or `mention`, by whom, and the
/// position of the event that put it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Why {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    pub position: u64,
}

/// `GET /api/timeline/home`: a post and why it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HomeItem {
    #[serde(flatten)]
    pub post: Post,
    pub why: Why,
}

/// `GET /api/search?q=`: posts whose text matches (best first) and people whose handle or display
/// name starts with the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub posts: Vec<Post>,
    pub users: Vec<Author>,
    pub position: u64,
    #[serde(default)]
    pub stale: bool,
}

/// The post a notification is about, as far as the notification shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PostRef {
    pub id: Uuid,
    pub text: String,
}

/// One notification (`GET /api/notifications`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notification {
    /// `follow`, `like`, `reply`, `mention` or `repost`.
    pub kind: String,
    pub actor: Author,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<PostRef>,
    pub at: String,
    pub read: bool,
    pub position: u64,
}

/// Likes, reposts and follows of one target, together (`GET /api/notifications?grouped=true`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotificationGroup {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<PostRef>,
    /// Newest first, at most five.
    pub actors: Vec<Author>,
    pub count: u64,
    pub latest_at: String,
    pub read: bool,
    /// The newest notification's position (what `MarkNotificationsRead` takes).
    pub position: u64,
}

/// The most unread notifications counted: past this a count says "99+" (as most apps' badges do;
/// counting further would read every unread row on every page, for the header's badge).
pub const MAX_UNREAD: u64 = 99;

/// A page of notifications with the unread count (at most `MAX_UNREAD + 1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotificationPage<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    pub unread: u64,
    pub position: u64,
    #[serde(default)]
    pub stale: bool,
}

/// A keyset page of a query, with the position its read model had reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    pub position: u64,
    /// True when `min_position` was asked for and not reached within `wait_ms`.
    #[serde(default)]
    pub stale: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnvelopeMetadata {
    pub command_id: Option<Uuid>,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
    pub actor: Option<String>,
    pub at: String,
    /// Set when the event holds personal data: whose it is, which fields, and whether the person
    /// was erased (then those fields are gone from `data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal: Option<PersonalMark>,
}

/// The personal data of one event (see the server's `store/personal.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonalMark {
    pub subject: String,
    pub fields: Vec<String>,
    pub erased: bool,
}

/// One stored event, as every reader of the store sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Envelope {
    pub position: u64,
    pub event_id: Uuid,
    pub stream: String,
    pub version: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema: u32,
    pub data: Value,
    pub metadata: EnvelopeMetadata,
}

/// Client → server frames of `/ws`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum ClientFrame {
    Subscribe {
        topic: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<u64>,
    },
    Unsubscribe {
        topic: String,
    },
    Ping,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Upsert,
    Remove,
    Counts,
    Event,
}

/// Server → client frames of `/ws`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum ServerFrame {
    Subscribed {
        topic: String,
        position: u64,
    },
    Change {
        topic: String,
        position: u64,
        kind: ChangeKind,
        data: Value,
        /// Another change of this topic at the same position follows (one event can change several
        /// items of a topic: a wallet's movement, balance and transfer). A resuming client passes
        /// the last position it saw *whole*, so it is never left with half of one.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        more: bool,
    },
    Resync {
        topic: String,
        reason: String,
    },
    Pong,
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<String>,
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

mod admin;
mod wallet;
pub use admin::*;
pub use wallet::*;
