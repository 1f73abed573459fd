//! The projector's copy of the follow graph, read for a batch: whose homes a post reaches, and what
//! a new follow copies in.

use super::{Batch, BACKFILL};
use crate::db::{self, Db};
use crate::projections::keys::{newest_first, range_after};
use crate::projections::{Generation, Scope};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// The committed followers of these authors, one range scan each, in one round trip.
pub(super) async fn followers_of(
    db: &Db,
    g: Generation,
    authors: &BTreeSet<String>,
) -> anyhow::Result<HashMap<String, BTreeSet<String>>> {
    if authors.is_empty() {
        return Ok(HashMap::new());
    }
    let table = g.table("home_follower");
    let sql: String = authors
        .iter()
        .map(|author| {
            format!(
                "SELECT VALUE record::id(id)[1] FROM {};",
                range_after(&table, author, None)
            )
        })
        .collect();
    let mut results = db::run(db, sql, Value::Null).await?;
    let mut followers = HashMap::new();
    for (i, author) in authors.iter().enumerate() {
        let rows: Vec<Value> = results.take(i)?;
        let set = rows
            .into_iter()
            .filter_map(|h| h.as_str().map(str::to_owned))
            .collect();
        followers.insert(author.clone(), set);
    }
    Ok(followers)
}

/// A new follow copies the followee's latest posts in (as of the follow: the committed ones and
/// those of this batch before it), each placed where the post belongs in time.
pub(super) async fn backfill(scope: Scope<'_>, b: &mut Batch) -> anyhow::Result<()> {
    let follows = std::mem::take(&mut b.follows);
    if follows.is_empty() {
        return Ok(());
    }
    // Every followee's latest posts, one range scan each, in one round trip for the batch.
    let authored = scope.generation.table("home_authored");
    let sql: String = follows
        .iter()
        .map(|(_, followee, _)| {
            format!(
                "SELECT record::id(id)[1] AS key, post_id FROM {} LIMIT {BACKFILL};",
                newest_first(&authored, followee, None)
            )
        })
        .collect();
    let mut results = db::run(scope.db, sql, Value::Null).await?;
    for (n, (follower, followee, position)) in follows.into_iter().enumerate() {
        let rows: Vec<Value> = results.take(n)?;
        let mut posts: Vec<(i64, Uuid)> = rows
            .into_iter()
            .filter_map(|row| {
                let post_id = Uuid::parse_str(row["post_id"].as_str()?).ok()?;
                Some((row["key"].as_i64()?, post_id))
            })
            .collect();
        posts.extend(
            b.created
                .iter()
                .filter(|(_, key, author)| *author == followee && key.unsigned_abs() < position)
                .map(|(post_id, key, _)| (*key, *post_id)),
        );
        posts.sort_unstable();
        posts.dedup();
        let wide_since = b.wide.since(&followee);
        for (key, post_id) in posts.into_iter().take(BACKFILL) {
            let by = Some(followee.as_str());
            // A wide author's posts since the mark are merged in when read; the follow tells the
            // follower's home to refetch (`Wide::follow`), which shows them.
            if wide_since.is_some_and(|since| key.unsigned_abs() >= since) {
                continue;
            }
            b.put_at(
                &follower,
                key,
                (post_id, key),
                &followee,
                "follow",
                by,
                position,
            );
        }
    }
    Ok(())
}
