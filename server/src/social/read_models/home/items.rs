//! Reading a home: its items, newest first.

use crate::db::{self, Db};
use crate::projections::keys::{newest_first, range_after};
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

/// The wide authors `owner` follows (`wide.rs`), whose rows their home merges in.
pub async fn wide_followees(db: &Db, g: Generation, owner: &str) -> anyhow::Result<Vec<String>> {
    let followed = range_after(&g.table("home_wide_followed"), owner, None);
    let sql = format!("SELECT VALUE record::id(id)[1] FROM {followed}");
    Ok(db::rows(db, sql, Value::Null)
        .await?
        .into_iter()
        .filter_map(|author| author.as_str().map(str::to_owned))
        .collect())
}

/// Items of `owner`'s home, newest first, below `cursor`: its own rows merged with the rows of the
/// wide authors it follows (`wide`, from [`wide_followees`]), one key-range scan each, in one
/// round trip.
pub async fn items(
    db: &Db,
    g: Generation,
    owner: &str,
    wide: &[String],
    cursor: Option<u64>,
    limit: usize,
) -> anyhow::Result<Vec<Item>> {
    let ranges = std::iter::once(newest_first(&g.table("home"), owner, cursor)).chain(
        wide.iter()
            .map(|author| newest_first(&g.table("home_wide_post"), author, cursor)),
    );
    let sql: String = ranges
        .map(|range| {
            format!(
                "SELECT post, author, why, by, why_at, -record::id(id)[1] AS position \
                 FROM {range} LIMIT {limit};"
            )
        })
        .collect();
    let mut results = db::run(db, sql, Value::Null).await?;
    let mut items: Vec<Item> = vec![];
    for n in 0..=wide.len() {
        let rows: Vec<Value> = results.take(n)?;
        let rows: Vec<Item> = rows
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>()?;
        // A person is not shown reposts of their own posts (fanned out, they are never written).
        items.extend(
            rows.into_iter()
                .filter(|item| n == 0 || !(item.why == "repost" && item.author == owner)),
        );
    }
    // Newest first; the home's own rows first at one position (a mention of this person in a
    // wide author's post is the same post: the home's row, which says why, is kept).
    items.sort_by_key(|item| std::cmp::Reverse(item.position));
    items.truncate(limit);
    Ok(items)
}
