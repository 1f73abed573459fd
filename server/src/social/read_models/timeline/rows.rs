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
    pub key: String,
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
            key: g.table("timeline_key"),
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

/// The row key (minus position) of each of these posts that the timeline holds, by its id.
pub async fn keys_of(db: &Db, t: &Tables, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let sql = format!(
        "SELECT record::id(id) AS post_id, key FROM array::map($ids, |$i| type::record('{}', $i))",
        t.key
    );
    Ok(db::rows(db, sql, json!({ "ids": ids }))
        .await?
        .into_iter()
        .filter_map(|row| {
            let post_id = Uuid::parse_str(row["post_id"].as_str()?).ok()?;
            Some((post_id, row["key"].as_i64()?))
        })
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
    let sql = names_of(t);
    let rows = db::rows(db, sql, json!({ "handles": handles })).await?;
    Ok(names_from(rows))
}

/// The statement reading the display names of `$handles`.
fn names_of(t: &Tables) -> String {
    format!(
        "SELECT handle, display_name FROM array::map($handles, |$h| type::record('{}', $h));",
        t.author
    )
}

fn names_from(rows: Vec<serde_json::Value>) -> HashMap<String, String> {
    rows.into_iter()
        .filter_map(|row| {
            Some((
                row["handle"].as_str()?.to_owned(),
                row["display_name"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Rows as the contract's posts for `viewer`: display names, and what `viewer` liked and reposted,
/// read in one round trip.
pub async fn posts(
    db: &Db,
    t: &Tables,
    rows: &[Row],
    viewer: Option<&str>,
) -> anyhow::Result<Vec<Post>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let mut handles: Vec<&str> = rows.iter().map(|row| row.author.as_str()).collect();
    handles.sort_unstable();
    handles.dedup();
    let ids: Vec<String> = rows.iter().map(|row| row.post_id.to_string()).collect();
    let mut sql = names_of(t);
    // Which of the posts `viewer` has a row for in the likes, then in the reposts.
    if let Some(viewer) = viewer {
        for table in [&t.like, &t.repost] {
            sql.push_str(&format!(
                "SELECT VALUE post_id FROM array::map($ids, |$p| type::record('{table}', [{}, $p]));",
                quote(viewer)
            ));
        }
    }
    let mut results = db::run(db, sql, json!({ "handles": handles, "ids": ids })).await?;
    let names = names_from(results.take(0)?);
    let mut marked = |i: usize| -> anyhow::Result<HashSet<Uuid>> {
        if viewer.is_none() {
            return Ok(HashSet::new());
        }
        let ids: Vec<serde_json::Value> = results.take(i)?;
        Ok(ids
            .iter()
            .filter_map(|id| id.as_str().and_then(|id| Uuid::parse_str(id).ok()))
            .collect())
    };
    let (liked, reposted) = (marked(1)?, marked(2)?);
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
