//! The timeline's stored rows and how they become the contract's posts.

use crate::db::{self, Db};
use crate::projections::keys::quote;
use crate::projections::Generation;
use app::wire::{Author, Post};
use serde::Deserialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The tables of one generation.
pub struct Tables {
    pub post: String,
    pub author: String,
    pub by_author: String,
    pub tag: String,
    pub reply: String,
    pub like: String,
    pub repost: String,
    pub version: String,
}

impl Tables {
    pub fn of(g: Generation) -> Tables {
        Tables {
            post: g.table("timeline_post"),
            author: g.table("timeline_author"),
            by_author: g.table("timeline_by_author"),
            tag: g.table("timeline_tag"),
            reply: g.table("timeline_reply"),
            like: g.table("timeline_like"),
            repost: g.table("timeline_repost"),
            version: g.table("timeline_version"),
        }
    }
}

/// A field a row may not have (read as null): its default.
fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A stored post, keyed `timeline_post:<-position>`.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    pub post_id: Uuid,
    pub author: String,
    pub text: String,
    pub created_at: String,
    #[serde(default)]
    pub edited_at: Option<String>,
    #[serde(default)]
    pub reply_to: Option<Uuid>,
    #[serde(default, deserialize_with = "or_default")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "or_default")]
    pub hidden: bool,
    #[serde(default, deserialize_with = "or_default")]
    pub likes: i64,
    #[serde(default, deserialize_with = "or_default")]
    pub reposts: i64,
    #[serde(default, deserialize_with = "or_default")]
    pub replies: i64,
    /// The post's position (minus the key).
    pub position: u64,
}

/// The fields every read of rows selects: the row and its position.
pub const FIELDS: &str = "post_id, author, text, created_at, edited_at, reply_to, tags, hidden, likes, reposts, replies, -record::id(id) AS position";

impl Row {
    pub fn post(&self, display_name: Option<&String>, liked: bool, reposted: bool) -> Post {
        Post {
            id: self.post_id,
            author: Author {
                handle: self.author.clone(),
                display_name: display_name.cloned().unwrap_or_else(|| self.author.clone()),
            },
            text: self.text.clone(),
            created_at: self.created_at.clone(),
            edited_at: self.edited_at.clone(),
            reply_to: self.reply_to,
            likes: self.likes.max(0) as u64,
            reposts: self.reposts.max(0) as u64,
            replies: self.replies.max(0) as u64,
            liked_by_me: liked,
            reposted_by_me: reposted,
            repost_of: None,
        }
    }
}

/// The rows at these keys (minus positions), in the keys' order, skipping keys with no row.
pub async fn rows_at(db: &Db, t: &Tables, keys: &[i64]) -> anyhow::Result<Vec<Row>> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT {FIELDS} FROM array::map($keys, |$k| type::record('{}', $k))",
        t.post
    );
    let rows = db::rows(db, sql, json!({ "keys": keys })).await?;
    let mut found: HashMap<u64, Row> = rows
        .into_iter()
        .filter(|row| row.get("post_id").is_some_and(|id| !id.is_null()))
        .map(serde_json::from_value::<Row>)
        .map(|row| row.map(|row| (row.position, row)))
        .collect::<Result<_, _>>()?;
    Ok(keys
        .iter()
        .filter_map(|key| found.remove(&(key.unsigned_abs())))
        .collect())
}

/// The stored display names of these handles, in one read of their records.
pub async fn display_names(
    db: &Db,
    t: &Tables,
    handles: &[&str],
) -> anyhow::Result<HashMap<String, String>> {
    if handles.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT handle, display_name FROM array::map($handles, |$h| type::record('{}', $h))",
        t.author
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

/// Which of these posts `viewer` has a row for in `table` (likes or reposts).
async fn marked(
    db: &Db,
    table: &str,
    viewer: &str,
    posts: &[Uuid],
) -> anyhow::Result<HashSet<Uuid>> {
    let ids: Vec<String> = posts.iter().map(Uuid::to_string).collect();
    let sql = format!(
        "SELECT VALUE post_id FROM array::map($ids, |$p| type::record('{table}', [{}, $p]))",
        quote(viewer)
    );
    Ok(db::rows(db, sql, json!({ "ids": ids }))
        .await?
        .into_iter()
        .filter_map(|id| id.as_str().and_then(|id| Uuid::parse_str(id).ok()))
        .collect())
}

/// Rows as the contract's posts for `viewer`: display names, and what `viewer` liked and reposted.
pub async fn posts(
    db: &Db,
    t: &Tables,
    rows: &[Row],
    viewer: Option<&str>,
) -> anyhow::Result<Vec<Post>> {
    let mut handles: Vec<&str> = rows.iter().map(|row| row.author.as_str()).collect();
    handles.sort_unstable();
    handles.dedup();
    let names = display_names(db, t, &handles).await?;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.post_id).collect();
    let (liked, reposted) = match viewer {
        Some(viewer) if !ids.is_empty() => (
            marked(db, &t.like, viewer, &ids).await?,
            marked(db, &t.repost, viewer, &ids).await?,
        ),
        _ => (HashSet::new(), HashSet::new()),
    };
    Ok(rows
        .iter()
        .map(|row| {
            row.post(
                names.get(&row.author),
                liked.contains(&row.post_id),
                reposted.contains(&row.post_id),
            )
        })
        .collect())
}
