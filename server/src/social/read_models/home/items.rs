//! Reading a home: its items, newest first.

use crate::db::{self, Db};
use crate::projections::keys::newest_first;
use crate::projections::Generation;
use serde::Deserialize;
use serde_json::Value;

/// One row of a home.
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    /// The post's key in the timeline read model (minus its position).
    pub post: i64,
    pub author: String,
    pub why: String,
    #[serde(default)]
    pub by: Option<String>,
    /// The position of the event that put the item here.
    pub why_at: u64,
    /// The item's place in the home (its key): the event's position, or for posts copied in by a
    /// follow the post's own.
    pub position: u64,
}

/// Items of `owner`'s home, newest first, below `cursor`.
pub async fn items(
    db: &Db,
    g: Generation,
    owner: &str,
    cursor: Option<u64>,
    limit: usize,
) -> anyhow::Result<Vec<Item>> {
    let range = newest_first(&g.table("home"), owner, cursor);
    let sql = format!(
        "SELECT post, author, why, by, why_at, -record::id(id)[1] AS position FROM {range} LIMIT {limit}"
    );
    Ok(db::rows(db, sql, Value::Null)
        .await?
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()?)
}
