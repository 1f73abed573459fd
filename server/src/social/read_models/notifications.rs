//! The notifications read model: what happened to each person (follows, likes, reposts and replies
//! of their posts, mentions), keyed `notification:[owner, -position]` so a page is a key-range scan,
//! and how far each person has read (`inbox:<owner>`). Serves `GET /api/notifications` (single or
//! grouped) with the unread count, and the `notifications` topic.
//!
//! Muted, blocked and blocking people and posts that left are not dropped from the table but left
//! out as a page is read, so a mute reaches back to every past notification and an unmute brings
//! them back.

use crate::aggregate::decode;
use crate::db::{self, Db};
use crate::live::Change;
use crate::projections::keys::{minus, newest_first, Key};
use crate::projections::{Definition, Generation, Output, Scope};
use crate::social::domain::Event;
use app::wire::MAX_UNREAD;
use app::wire::{ChangeKind, Envelope};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub const NAME: &str = "notifications";

const SCHEMA: &str = "
DEFINE TABLE IF NOT EXISTS notification{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS inbox{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS notification_author{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS notification_gone{g} SCHEMALESS;
";

/// `notification_author` keeps who wrote each post that can be replied to, so a reply finds whom
/// to notify without reading the log; `notification_gone` the posts that left.
pub const NOTIFICATIONS: Definition = Definition {
    name: NAME,
    version: 1,
    schema: SCHEMA,
    tables: &[
        "notification",
        "inbox",
        "notification_author",
        "notification_gone",
    ],
    in_order: false,
    sources: None,
    apply: |scope, events, out| Box::pin(apply(scope, events, out)),
};

/// One notification as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    pub kind: String,
    pub actor: String,
    #[serde(default)]
    pub post_id: Option<Uuid>,
    pub at: String,
    pub position: u64,
}

impl Row {
    /// Likes, reposts and follows of one target group together; mentions and replies stay single.
    pub fn group(&self) -> Option<String> {
        match self.kind.as_str() {
            "like" | "repost" => Some(format!("{}:{}", self.kind, self.post_id?)),
            "follow" => Some("follow".into()),
            _ => None,
        }
    }
}

struct New {
    owner: String,
    row: Row,
}

async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let g = scope.generation;
    let mut authors: HashMap<Uuid, String> = HashMap::new();
    let mut new: Vec<New> = vec![];
    let mut replies: Vec<(Uuid, New)> = vec![];
    let mut gone: Vec<Uuid> = vec![];
    let mut read: HashMap<String, (u64, u64)> = HashMap::new();
    for envelope in events {
        let Some(event) = decode::<Event>(envelope)? else {
            continue;
        };
        let (position, at) = (envelope.position, envelope.metadata.at.clone());
        let row = |kind: &str, actor: &str, post_id: Option<Uuid>| Row {
            kind: kind.into(),
            actor: actor.into(),
            post_id,
            at: at.clone(),
            position,
        };
        match event {
            Event::UserFollowed { follower, followee } => new.push(New {
                owner: followee,
                row: row("follow", &follower, None),
            }),
            Event::PostLiked {
                post_id,
                by,
                author,
            } if by != author => new.push(New {
                owner: author,
                row: row("like", &by, Some(post_id)),
            }),
            Event::PostReposted {
                post_id,
                by,
                author,
            } if by != author => new.push(New {
                owner: author,
                row: row("repost", &by, Some(post_id)),
            }),
            Event::PostCreated {
                post_id,
                author,
                reply_to,
                mentions,
                ..
            } => {
                authors.insert(post_id, author.clone());
                if let Some(parent) = reply_to {
                    let pending = New {
                        owner: String::new(),
                        row: row("reply", &author, Some(post_id)),
                    };
                    replies.push((parent, pending));
                }
                for mentioned in mentions.into_iter().filter(|m| *m != author) {
                    new.push(New {
                        owner: mentioned,
                        row: row("mention", &author, Some(post_id)),
                    });
                }
            }
            Event::PostDeleted { post_id, .. } | Event::PostHidden { post_id, .. } => {
                gone.push(post_id)
            }
            Event::NotificationsRead { handle, up_to } => {
                let entry = read.entry(handle).or_default();
                *entry = (entry.0.max(up_to), position);
            }
            _ => {}
        }
    }
    // A reply notifies the author of the post it answers, found in this batch or in the table.
    let unknown: Vec<Uuid> = replies
        .iter()
        .map(|(parent, _)| *parent)
        .filter(|parent| !authors.contains_key(parent))
        .collect();
    let stored = stored_authors(scope.db, g, &unknown).await?;
    for (parent, mut pending) in replies {
        let author = authors.get(&parent).or(stored.get(&parent));
        if let Some(author) = author.filter(|author| **author != pending.row.actor) {
            pending.owner = author.clone();
            // A reply that also mentions the parent's author notifies them once, as a reply.
            let position = pending.row.position;
            new.retain(|n| !(n.owner == *author && n.row.position == position));
            new.push(pending);
        }
    }
    new.sort_by_key(|n| n.row.position);
    if scope.live {
        for n in &new {
            let data = json!({
                "kind": n.row.kind, "actor": {"handle": n.row.actor, "display_name": n.row.actor},
                "post_id": n.row.post_id, "at": n.row.at, "read": false, "position": n.row.position,
            });
            let topic = format!("notifications:{}", n.owner);
            out.changes
                .push(Change::new(topic, n.row.position, ChangeKind::Upsert, data));
        }
        for (owner, (up_to, position)) in &read {
            let data = json!({ "read_up_to": up_to });
            let topic = format!("notifications:{owner}");
            out.changes
                .push(Change::new(topic, *position, ChangeKind::Counts, data));
        }
    }
    write(g, &authors, new, gone, read, out);
    Ok(())
}

async fn stored_authors(
    db: &Db,
    g: Generation,
    posts: &[Uuid],
) -> anyhow::Result<HashMap<Uuid, String>> {
    if posts.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = posts.iter().map(Uuid::to_string).collect();
    let sql = format!(
        "SELECT post_id, author FROM array::map($ids, |$p| type::record('{}', $p))",
        g.table("notification_author")
    );
    Ok(db::rows(db, sql, json!({ "ids": ids }))
        .await?
        .into_iter()
        .filter_map(|row| {
            let post_id = Uuid::parse_str(row["post_id"].as_str()?).ok()?;
            Some((post_id, row["author"].as_str()?.to_owned()))
        })
        .collect())
}

fn write(
    g: Generation,
    authors: &HashMap<Uuid, String>,
    new: Vec<New>,
    gone: Vec<Uuid>,
    read: HashMap<String, (u64, u64)>,
    out: &mut Output,
) {
    let writes = &mut out.writes;
    if !authors.is_empty() {
        let rows: Vec<Value> = authors
            .iter()
            .map(|(post_id, author)| {
                json!({ "id": post_id.to_string(), "post_id": post_id.to_string(), "author": author })
            })
            .collect();
        writes.insert_rows(&g.table("notification_author"), rows);
    }
    if !new.is_empty() {
        let rows: Vec<Value> = new
            .iter()
            .map(|n| {
                json!({
                    "id": [n.owner, minus(n.row.position)], "kind": n.row.kind, "actor": n.row.actor,
                    "post_id": n.row.post_id.map(|id| id.to_string()), "at": n.row.at,
                })
            })
            .collect();
        writes.insert_rows(&g.table("notification"), rows);
    }
    if !gone.is_empty() {
        let rows: Vec<Value> = gone
            .iter()
            .map(|id| json!({ "id": id.to_string(), "post_id": id.to_string() }))
            .collect();
        writes.insert_rows(&g.table("notification_gone"), rows);
    }
    for (owner, (up_to, _)) in read {
        let key = Key::text(&g.table("inbox"), &owner);
        writes.push(format!(
            "UPSERT {key} SET read_up_to = math::max([read_up_to ?? 0, {up_to}]) RETURN NONE"
        ));
    }
}

/// What a page of notifications needs to know beyond the rows.
pub struct Seen {
    pub read_up_to: u64,
    /// Of the posts the rows name, those that left.
    pub gone: HashSet<Uuid>,
}

impl Seen {
    /// Whether the owner sees `row`: not by someone `hidden`, not of a post that left.
    pub fn shows(&self, row: &Row, hidden: &HashSet<String>) -> bool {
        !hidden.contains(&row.actor) && !row.post_id.is_some_and(|id| self.gone.contains(&id))
    }
}

/// Raw notification rows of `owner`, newest first, below `cursor`.
pub async fn rows(
    db: &Db,
    g: Generation,
    owner: &str,
    cursor: Option<u64>,
    limit: usize,
) -> anyhow::Result<Vec<Row>> {
    let range = newest_first(&g.table("notification"), owner, cursor);
    let sql = format!(
        "SELECT kind, actor, post_id, at, -record::id(id)[1] AS position FROM {range} LIMIT {limit}"
    );
    Ok(db::rows(db, sql, Value::Null)
        .await?
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()?)
}

/// How far `owner` has read, and which of `posts` left.
pub async fn seen(db: &Db, g: Generation, owner: &str, posts: &[Uuid]) -> anyhow::Result<Seen> {
    let ids: Vec<String> = posts.iter().map(Uuid::to_string).collect();
    let sql = format!(
        "SELECT VALUE read_up_to FROM {};
         SELECT VALUE post_id FROM array::map($ids, |$p| type::record('{}', $p));",
        Key::text(&g.table("inbox"), owner),
        g.table("notification_gone")
    );
    let mut results = db::run(db, sql, json!({ "ids": ids })).await?;
    let read: Vec<Value> = results.take(0)?;
    let gone: Vec<Value> = results.take(1)?;
    Ok(Seen {
        read_up_to: read.first().and_then(Value::as_u64).unwrap_or(0),
        gone: gone
            .iter()
            .filter_map(|id| id.as_str().and_then(|id| Uuid::parse_str(id).ok()))
            .collect(),
    })
}

/// What a page's own scan already saw of the unread rows.
pub struct Counted {
    /// Visible unread rows the scan found.
    pub visible: u64,
    /// The lowest position the scan read down to (`Some(0)`: every row), or `None` if it did not
    /// start at the top.
    pub down_to: Option<u64>,
}

/// Rounds of the unread count past a page's scan (a muted flood is not counted forever).
const UNREAD_ROUNDS: usize = 5;

/// Unread notifications of `owner` that the owner sees (not of hidden people, not of posts that
/// left), counted up to `MAX_UNREAD + 1`: what the page's scan counted, and the rest read on
/// from where it stopped.
pub async fn unread(
    db: &Db,
    g: Generation,
    owner: &str,
    read_up_to: u64,
    hidden: &HashSet<String>,
    counted: Counted,
) -> anyhow::Result<u64> {
    let cap = MAX_UNREAD + 1;
    let mut total = counted.visible;
    let mut below = counted.down_to;
    for _ in 0..UNREAD_ROUNDS {
        let wanted = cap.saturating_sub(total) as usize;
        if wanted == 0 || below.is_some_and(|b| b <= read_up_to.saturating_add(1)) {
            break;
        }
        let rows = rows(db, g, owner, below, wanted).await?;
        let unread: Vec<&Row> = rows
            .iter()
            .take_while(|row| row.position > read_up_to)
            .collect();
        let posts: Vec<Uuid> = unread.iter().filter_map(|row| row.post_id).collect();
        let seen = seen(db, g, owner, &posts).await?;
        total += unread.iter().filter(|row| seen.shows(row, hidden)).count() as u64;
        // Short of what was asked: the read mark or the end was reached.
        if unread.len() < wanted {
            break;
        }
        below = unread.last().map(|row| row.position);
    }
    Ok(total.min(cap))
}
