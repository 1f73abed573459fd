//! The timeline's queries: public, by author, by tag (keyset pages, newest first), a thread, and a
//! post's edit history. Posts of people the viewer muted or blocked (or who blocked the viewer) are
//! left out as the page is read, so a mute reaches back to every past post.

use super::rows::{keys_of, posts, rows_at, Row, Tables};
use crate::db::{self, Db};
use crate::projections::keys::{minus, newest_first, oldest_first};
use crate::projections::Generation;
use app::wire::{Page, Post, PostVersion};
use serde_json::{json, Value};
use std::collections::HashSet;
use uuid::Uuid;

/// Who reads a list, and how much of it.
pub struct Reader<'a> {
    pub viewer: Option<&'a str>,
    /// Authors the viewer does not see (muted, blocked, blocking).
    pub hidden: &'a HashSet<String>,
    pub cursor: Option<u64>,
    pub limit: usize,
}

/// Reading more keys than a page needs, so that hidden posts rarely cost a second round.
const SLACK: usize = 10;
const MAX_ROUNDS: usize = 8;

/// Where a list's keys come from.
enum Source<'a> {
    /// The post table itself (the public timeline): its keys are the posts' keys.
    Posts,
    /// A list table keyed `[owner, -position]`.
    List { table: &'a str, owner: &'a str },
}

async fn page(
    db: &Db,
    t: &Tables,
    source: Source<'_>,
    reader: &Reader<'_>,
    position: u64,
) -> anyhow::Result<Page<Post>> {
    let mut rows: Vec<Row> = vec![];
    let mut below = reader.cursor;
    let mut exhausted = false;
    for _ in 0..MAX_ROUNDS {
        let wanted = reader.limit + 1 - rows.len() + SLACK;
        let sql = match source {
            Source::Posts => {
                let from = match below {
                    Some(below) => format!("{}:{}>..", t.post, minus(below)),
                    None => t.post.clone(),
                };
                format!("SELECT VALUE record::id(id) FROM {from} LIMIT {wanted}")
            }
            Source::List { table, owner } => format!(
                "SELECT VALUE record::id(id)[1] FROM {} LIMIT {wanted}",
                newest_first(table, owner, below)
            ),
        };
        let keys: Vec<i64> = db::rows(db, sql, Value::Null)
            .await?
            .into_iter()
            .filter_map(|key| key.as_i64())
            .collect();
        exhausted = keys.len() < wanted;
        if let Some(last) = keys.last() {
            below = Some(last.unsigned_abs());
        }
        rows.extend(
            rows_at(db, t, &keys)
                .await?
                .into_iter()
                .filter(|row| !row.hidden && !reader.hidden.contains(&row.author)),
        );
        if exhausted || rows.len() > reader.limit {
            break;
        }
    }
    // A full page ends at its last post; a page cut short by many hidden posts in a row ends where
    // the scan stopped, so the next page goes on from there.
    let next = if rows.len() > reader.limit {
        Some(rows[reader.limit - 1].position.to_string())
    } else if !exhausted {
        below.map(|position| position.to_string())
    } else {
        None
    };
    rows.truncate(reader.limit);
    Ok(Page {
        items: posts(db, t, &rows, reader.viewer).await?,
        next,
        position,
        stale: false,
    })
}

/// `GET /api/timeline/public`: visible posts, newest first.
pub async fn public(
    db: &Db,
    g: Generation,
    reader: &Reader<'_>,
    position: u64,
) -> anyhow::Result<Page<Post>> {
    page(db, &Tables::of(g), Source::Posts, reader, position).await
}

/// `GET /api/users/{handle}/posts`.
pub async fn by_author(
    db: &Db,
    g: Generation,
    author: &str,
    reader: &Reader<'_>,
    position: u64,
) -> anyhow::Result<Page<Post>> {
    let t = Tables::of(g);
    let source = Source::List {
        table: &t.by_author,
        owner: author,
    };
    page(db, &t, source, reader, position).await
}

/// `GET /api/tags/{tag}`.
pub async fn tagged(
    db: &Db,
    g: Generation,
    tag: &str,
    reader: &Reader<'_>,
    position: u64,
) -> anyhow::Result<Page<Post>> {
    let t = Tables::of(g);
    let source = Source::List {
        table: &t.tag,
        owner: tag,
    };
    page(db, &t, source, reader, position).await
}

/// The visible rows of these posts, found by their ids in the key table.
async fn rows_of(db: &Db, t: &Tables, ids: &[Uuid]) -> anyhow::Result<Vec<Row>> {
    let found = keys_of(db, t, ids).await?;
    let keys: Vec<i64> = ids.iter().filter_map(|id| found.get(id).copied()).collect();
    Ok(rows_at(db, t, &keys)
        .await?
        .into_iter()
        .filter(|row| !row.hidden)
        .collect())
}

/// The text of each of these posts that is visible.
pub async fn texts(
    db: &Db,
    g: Generation,
    ids: &[Uuid],
) -> anyhow::Result<std::collections::HashMap<Uuid, String>> {
    let t = Tables::of(g);
    Ok(rows_of(db, &t, ids)
        .await?
        .into_iter()
        .map(|row| (row.post_id, row.text))
        .collect())
}

/// The deepest chain of ancestors shown above a post.
const MAX_ANCESTORS: usize = 50;
const MAX_REPLIES: usize = 200;

/// `GET /api/posts/{id}`: the post, its visible ancestors (oldest first) and its replies (oldest
/// first). `None` when the post is not visible.
pub async fn thread(
    db: &Db,
    g: Generation,
    post_id: Uuid,
    viewer: Option<&str>,
    hidden: &HashSet<String>,
) -> anyhow::Result<Option<(Post, Vec<Post>, Vec<Post>)>> {
    let t = Tables::of(g);
    let Some(row) = rows_of(db, &t, &[post_id]).await?.pop() else {
        return Ok(None);
    };
    let mut ancestors = vec![];
    let mut parent = row.reply_to;
    while let Some(id) = parent.filter(|_| ancestors.len() < MAX_ANCESTORS) {
        let Some(above) = rows_of(db, &t, &[id]).await?.pop() else {
            break;
        };
        parent = above.reply_to;
        ancestors.push(above);
    }
    ancestors.reverse();
    let replies_from = oldest_first(&t.reply, &post_id.to_string(), None);
    let sql = format!("SELECT VALUE record::id(id)[1] FROM {replies_from} LIMIT {MAX_REPLIES}");
    let reply_keys: Vec<i64> = db::rows(db, sql, Value::Null)
        .await?
        .into_iter()
        .filter_map(|position| position.as_u64().map(minus))
        .collect();
    let replies: Vec<Row> = rows_at(db, &t, &reply_keys)
        .await?
        .into_iter()
        .filter(|row| !row.hidden && !hidden.contains(&row.author))
        .collect();
    // One read of names and marks for the whole thread: the post, its ancestors, its replies.
    let above = ancestors.len();
    let all: Vec<Row> = std::iter::once(row)
        .chain(ancestors)
        .chain(replies)
        .collect();
    let mut shown = posts(db, &t, &all, viewer).await?;
    let replies = shown.split_off(1 + above);
    let ancestors = shown.split_off(1);
    Ok(Some((shown.remove(0), ancestors, replies)))
}

/// `GET /api/posts/{id}/history`: every version of a visible post, oldest first.
pub async fn history(
    db: &Db,
    g: Generation,
    post_id: Uuid,
) -> anyhow::Result<Option<Vec<PostVersion>>> {
    let t = Tables::of(g);
    let Some(row) = rows_of(db, &t, &[post_id]).await?.pop() else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT VALUE original FROM type::record('{}', {});
         SELECT text, at, record::id(id)[1] AS position FROM {};",
        t.post,
        minus(row.position),
        oldest_first(&t.version, &post_id.to_string(), None)
    );
    let mut results = db::run(db, sql, json!({})).await?;
    let original: Vec<Value> = results.take(0)?;
    let edits: Vec<Value> = results.take(1)?;
    let first_text = original
        .first()
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| row.text.clone());
    let mut versions = vec![PostVersion {
        text: first_text,
        at: row.created_at.clone(),
        position: row.position,
    }];
    for edit in edits {
        versions.push(serde_json::from_value(edit)?);
    }
    Ok(Some(versions))
}
