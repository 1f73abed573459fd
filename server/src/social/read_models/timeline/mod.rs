//! The timeline read model: every post with its counts (likes, reposts, replies), its edits, and the
//! lists it is in — public, by author, by tag, the replies of a post — plus who liked and reposted
//! what. Serves the public, profile and tag timelines, threads and edit histories.
//!
//! No secondary index: each one costs about as much as writing the row itself, and a rebuild writes
//! a row for every post. Posts are keyed `timeline_post:<-position>` (key order is newest first, a
//! page is a key-range scan); a list is a table of keys `[owner, -position]` (`[parent, position]`
//! for replies, oldest first) whose scan is the list; authors are keyed by handle. Where a post is
//! kept is itself a row, `timeline_key:<post id>` {key}: a like, a notification or a thread names a
//! post by its id, and this answers in one read what the log's stream index answered a statement
//! per post.

mod apply;
pub mod queries;
pub mod rows;

use crate::projections::Definition;

pub use queries::{by_author, history, public, tagged, texts, thread};

pub const NAME: &str = "timeline";
pub const PUBLIC_TOPIC: &str = "public";

const SCHEMA: &str = "
DEFINE TABLE IF NOT EXISTS timeline_post{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS timeline_author{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS timeline_by_author{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS timeline_tag{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS timeline_reply{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS timeline_like{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS timeline_repost{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS timeline_version{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS timeline_key{g} SCHEMALESS;
";

const TABLES: &[&str] = &[
    "timeline_post",
    "timeline_author",
    "timeline_by_author",
    "timeline_tag",
    "timeline_reply",
    "timeline_like",
    "timeline_repost",
    "timeline_version",
    "timeline_key",
];

/// Version 3: counts, edits, and the author, tag, reply, like and repost lists; 4: the key of each
/// post by its id.
pub const TIMELINE: Definition = Definition {
    name: NAME,
    version: 4,
    schema: SCHEMA,
    tables: TABLES,
    in_order: false,
    sources: None,
    apply: |scope, events, out| Box::pin(apply::apply(scope, events, out)),
};
