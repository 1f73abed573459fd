//! The timeline read model: every post with its author's current display name and its visibility,
//! serving the public timeline (and, later, profile, thread and tag lists).

use super::{Generation, Output, Projector, Scope};
use crate::db::{self, Db};
use crate::domain::Event;
use crate::live::Change;
use app::wire::{Author, ChangeKind, Envelope, Page, Post};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

pub const NAME: &str = "timeline";
pub const PUBLIC_TOPIC: &str = "public";

pub struct Timeline;

/// No secondary index: each one costs about as much as writing the row itself, and a rebuild writes
/// a row for every post. Rows are keyed by `-position` instead, so the table's own key order is
/// newest first and a page is a key-range scan; authors are keyed by handle.
const SCHEMA: &str = "
DEFINE TABLE IF NOT EXISTS timeline_post{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS timeline_author{g} SCHEMALESS;
";

/// A stored post as the read model keeps it.
#[derive(Debug, Clone, Deserialize)]
struct Row {
    post_id: Uuid,
    author: String,
    /// Joined in from the author table when read.
    #[serde(default)]
    author_name: String,
    text: String,
    created_at: String,
    reply_to: Option<Uuid>,
    position: u64,
}

impl Row {
    fn post(self) -> Post {
        Post {
            id: self.post_id,
            author: Author {
                handle: self.author,
                display_name: self.author_name,
            },
            text: self.text,
            created_at: self.created_at,
            reply_to: self.reply_to,
            likes: 0,
            reposts: 0,
            replies: 0,
            liked_by_me: false,
            reposted_by_me: false,
            repost_of: None,
        }
    }
}

impl Projector for Timeline {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        2
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    fn tables(&self) -> &'static [&'static str] {
        &["timeline_post", "timeline_author"]
    }

    fn apply<'a>(
        &'a self,
        scope: Scope<'a>,
        events: &'a [Envelope],
        out: &'a mut Output,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(apply(scope, events, out))
    }
}

/// This read model's table names in one generation.
struct Tables {
    post: String,
    author: String,
}

impl Tables {
    fn of(generation: Generation) -> Tables {
        Tables {
            post: generation.table("timeline_post"),
            author: generation.table("timeline_author"),
        }
    }
}

/// Coalesces the batch: one insert for all new posts, one upsert for all named or renamed authors,
/// one update for all posts that left, whatever the number of events. Display names live only in the
/// author table (a rename is one write, not one per post); queries join them in.
async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let tables = Tables::of(scope.generation);
    let mut names: HashMap<String, String> = HashMap::new();
    let mut new_posts: Vec<Value> = vec![];
    let mut created: HashMap<Uuid, u64> = HashMap::new();
    let mut gone: Vec<Uuid> = vec![];
    // Display names are joined in when posts are read: only the live changes carry them.
    let authors = if scope.live {
        let handles = distinct(
            events
                .iter()
                .filter(|e| e.event_type == "PostCreated")
                .filter_map(|e| e.data.get("author").and_then(Value::as_str)),
        );
        display_names(scope.db, &tables.author, &handles).await?
    } else {
        HashMap::new()
    };
    for envelope in events {
        let Ok(event) = Event::from_parts(&envelope.event_type, &envelope.data) else {
            anyhow::bail!(
                "event {} ({}) does not parse",
                envelope.position,
                envelope.event_type
            );
        };
        match event {
            Event::UserRegistered {
                handle,
                display_name,
                ..
            } => {
                names.insert(handle, display_name);
            }
            Event::ProfileUpdated {
                handle,
                display_name: Some(name),
                ..
            } => {
                names.insert(handle, name);
            }
            Event::PostCreated {
                post_id,
                author,
                text,
                reply_to,
                ..
            } => {
                created.insert(post_id, envelope.position);
                if scope.live {
                    let author_name = names
                        .get(&author)
                        .or(authors.get(&author))
                        .cloned()
                        .unwrap_or(author.clone());
                    let row = Row {
                        post_id,
                        author: author.clone(),
                        author_name,
                        text: text.clone(),
                        created_at: envelope.metadata.at.clone(),
                        reply_to,
                        position: envelope.position,
                    };
                    let data = serde_json::to_value(row.post())?;
                    out.changes
                        .push(change(envelope.position, ChangeKind::Upsert, data));
                }
                // The position is the key's negation; a missing reply_to reads as none.
                let mut row = json!({
                    "id": key(envelope.position),
                    "post_id": post_id,
                    "author": author,
                    "text": text,
                    "created_at": envelope.metadata.at,
                });
                if let Some(parent) = reply_to {
                    row["reply_to"] = json!(parent);
                }
                new_posts.push(row);
            }
            Event::PostHidden { post_id, .. } | Event::PostDeleted { post_id, .. } => {
                gone.push(post_id);
                if scope.live {
                    let id = json!(post_id);
                    out.changes
                        .push(change(envelope.position, ChangeKind::Remove, id));
                }
            }
            _ => {}
        }
    }
    let gone = keys_of(scope, &created, &gone).await?;
    let writes = &mut out.writes;
    if !names.is_empty() {
        let rows: Vec<Value> = names
            .iter()
            .map(|(h, n)| json!({ "id": h, "handle": h, "display_name": n }))
            .collect();
        let rows = writes.bind(rows);
        writes.push(format!(
            "INSERT INTO {} {rows} ON DUPLICATE KEY UPDATE display_name = $input.display_name RETURN NONE",
            tables.author
        ));
    }
    if !new_posts.is_empty() {
        let rows = writes.bind(new_posts);
        writes.push(format!("INSERT INTO {} {rows} RETURN NONE", tables.post));
    }
    if !gone.is_empty() {
        let keys = writes.bind(gone);
        writes.push(format!(
            "UPDATE array::map({keys}, |$key| type::record('{}', $key)) SET hidden = true RETURN NONE",
            tables.post
        ));
    }
    Ok(())
}

/// A post's row key: minus its position, so ascending key order is newest first.
fn key(position: u64) -> i64 {
    -(position.min(i64::MAX as u64) as i64)
}

/// The row keys of posts that left: from this batch when it also created them, else from the log
/// (where each post's stream began).
async fn keys_of(
    scope: Scope<'_>,
    created: &HashMap<Uuid, u64>,
    gone: &[Uuid],
) -> anyhow::Result<Vec<i64>> {
    let earlier: Vec<String> = gone
        .iter()
        .filter(|id| !created.contains_key(id))
        .map(|id| crate::domain::post::stream(*id))
        .collect();
    let began = scope.store.first_positions(&earlier).await?;
    Ok(gone
        .iter()
        .filter_map(|id| {
            created
                .get(id)
                .or_else(|| began.get(&crate::domain::post::stream(*id)))
        })
        .map(|position| key(*position))
        .collect())
}

fn change(position: u64, kind: ChangeKind, data: Value) -> Change {
    Change {
        topic: PUBLIC_TOPIC.to_owned(),
        position,
        kind,
        data,
    }
}

/// Each handle once.
fn distinct<'a>(handles: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut handles: Vec<&str> = handles.collect();
    handles.sort_unstable();
    handles.dedup();
    handles
}

/// The stored display names of these handles, in one read of their records.
async fn display_names(
    db: &Db,
    table: &str,
    handles: &[&str],
) -> anyhow::Result<HashMap<String, String>> {
    if handles.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT handle, display_name FROM array::map($handles, |$h| type::record('{table}', $h))"
    );
    let rows = db::rows(db, sql, json!({ "handles": handles })).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some((
                row["handle"].as_str()?.to_owned(),
                row["display_name"].as_str()?.to_owned(),
            ))
        })
        .collect())
}

/// `GET /api/timeline/public`: visible posts, newest first, in keyset pages by position.
pub async fn public(
    db: &Db,
    generation: Generation,
    cursor: Option<u64>,
    limit: usize,
    position: u64,
) -> anyhow::Result<Page<Post>> {
    // Keys are minus positions: the posts below the cursor are the keys above minus the cursor.
    let table = generation.table("timeline_post");
    let from = match cursor {
        Some(below) => format!("{table}:{}>..", key(below)),
        None => table,
    };
    let sql = format!(
        "SELECT post_id, author, text, created_at, reply_to, -record::id(id) AS position FROM {from}
         WHERE hidden != true LIMIT $limit"
    );
    let rows = db::rows(db, sql, json!({ "limit": limit + 1 })).await?;
    let mut rows: Vec<Row> = rows
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()?;
    let next = (rows.len() > limit).then(|| rows[limit - 1].position.to_string());
    rows.truncate(limit);
    let handles = distinct(rows.iter().map(|row| row.author.as_str()));
    let names = display_names(db, &generation.table("timeline_author"), &handles).await?;
    for row in &mut rows {
        row.author_name = names
            .get(&row.author)
            .cloned()
            .unwrap_or_else(|| row.author.clone());
    }
    Ok(Page {
        items: rows.into_iter().map(Row::post).collect(),
        next,
        position,
        stale: false,
    })
}
