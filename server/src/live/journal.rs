//! The journal: every change a read model pushed, kept durably so that a client can resume from a
//! position the hub's ring no longer holds — after a long disconnect, or a server restart.
//!
//! A projector's changes are written to `live_change` in the same transaction as its rows and its
//! checkpoint, so the journal says exactly what the read model said at each position: a resume
//! from it equals what a client that never disconnected received, frame for frame. Rows are keyed
//! `[topic, position, seq]`: a resume is one key-range scan of its topic.
//!
//! What it cannot answer is a `resync`: a read model rebuilt since (its changes would now read
//! differently; `live_meta:journal.rebuilt_at`), or a position older than what is kept
//! (`kept_after`: [`prune`] drops the oldest positions).

use super::topics::Topics;
use super::{frames, Change};
use crate::db::{self, Db};
use crate::projections::keys::quote;
use crate::projections::Writes;
use crate::shared_reads::SharedReads;
use app::wire::ChangeKind;
use axum::extract::ws::Utf8Bytes;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const TABLE: &str = "live_change";
/// Positions of history the journal keeps; older ones are pruned.
pub const KEPT_POSITIONS: u64 = 200_000;
/// At most this many changes answer one resume; a client further behind refetches.
pub const MAX_REPLAY: usize = 2000;
/// The seq of out-of-order marks, above any batch's own changes at a position.
const LATE_SEQ: u64 = 1 << 32;

const SCHEMA: &str = "
DEFINE TABLE IF NOT EXISTS live_change SCHEMALESS;
DEFINE TABLE IF NOT EXISTS live_meta SCHEMALESS;
";

/// What the journal knows of its own history.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub struct Meta {
    #[serde(default)]
    pub rebuilt_at: u64,
    #[serde(default)]
    pub kept_after: u64,
}

/// A read's answer: the frames of the changes, serialised, or why the client must refetch.
pub type Replay = Result<Arc<Vec<Utf8Bytes>>, String>;

/// Reads in flight or just answered, by `(topic, after, through)`: when a thousand clients resume
/// the same topic from the same position (a server restart, a network blip), one read and one
/// serialisation answer them all.
type Shared = SharedReads<ReadKey, Replay>;

/// A read: the topic, its sources, and the positions after and through.
type ReadKey = (String, Vec<String>, u64, u64);

/// How long an answered read is kept for clients resuming from the same position.
const SHARED_FOR: Duration = Duration::from_secs(5);

/// The journal's reader and pruner. Cheap to clone.
#[derive(Clone)]
pub struct Journal {
    db: Db,
    kept_after: Arc<AtomicU64>,
    shared: Arc<Shared>,
}

impl Journal {
    /// Defines the tables and reads what the journal keeps. A store that had no journal yet (new,
    /// or from before the journal) has one from `head` on.
    pub async fn open(db: &Db, head: u64) -> anyhow::Result<(Journal, Meta)> {
        db::run(db, SCHEMA, Value::Null).await?;
        let rows = db::rows(db, "SELECT * FROM live_meta:journal", Value::Null).await?;
        let meta: Meta = match rows.into_iter().next() {
            Some(row) => serde_json::from_value(row)?,
            None => {
                record_rebuild(db, head).await?;
                Meta {
                    rebuilt_at: head,
                    kept_after: 0,
                }
            }
        };
        let journal = Journal {
            db: db.clone(),
            kept_after: Arc::new(AtomicU64::new(meta.kept_after)),
            shared: Arc::new(SharedReads::new(SHARED_FOR, usize::MAX)),
        };
        Ok((journal, meta))
    }

    /// The frames of `topic`'s changes above `after` up to `through`, merged by position with
    /// those of its `sources` (see [`super::Membership`]), read once for everyone who asks the same
    /// within a few seconds.
    pub async fn frames(
        &self,
        topic: &str,
        sources: &[String],
        after: u64,
        through: u64,
        topics: &Topics,
    ) -> anyhow::Result<Replay> {
        let key = (topic.to_owned(), sources.to_vec(), after, through);
        self.shared
            .read((), key, || async {
                let read = self.merged(topic, sources, after, through).await?;
                let framed = read.map(|changes| {
                    Arc::new(
                        frames(topics, changes)
                            .into_iter()
                            .map(|(_, text)| text)
                            .collect(),
                    )
                });
                anyhow::Ok(framed)
            })
            .await
    }

    /// The changes of `member` and of its sources above `after` up to `through`, in position
    /// order (the member's own first at one position); `Err` with the reason when the journal
    /// cannot answer (the client refetches).
    async fn merged(
        &self,
        member: &str,
        sources: &[String],
        after: u64,
        through: u64,
    ) -> anyhow::Result<Result<Vec<Change>, String>> {
        let kept_after = self.kept_after.load(Ordering::Relaxed);
        if after < kept_after {
            return Ok(Err(format!(
                "changes after {after} are no longer kept (from {kept_after}); refetch"
            )));
        }
        if through <= after {
            return Ok(Ok(vec![]));
        }
        let topics = std::iter::once(member).chain(sources.iter().map(String::as_str));
        let reads = topics.map(|topic| self.read(topic, after, through));
        let mut changes = vec![];
        for read in futures::future::try_join_all(reads).await? {
            match read {
                Ok(read) => changes.extend(read),
                Err(reason) => return Ok(Err(reason)),
            }
        }
        changes.retain(|change| change.except.as_deref() != Some(member));
        if changes.len() > MAX_REPLAY {
            return Ok(Err(format!(
                "more than {MAX_REPLAY} changes after {after}; refetch"
            )));
        }
        changes.sort_by_key(|change| change.position);
        Ok(Ok(changes))
    }

    /// The changes of one topic above `after` up to `through`, in order, or why they cannot be
    /// told.
    async fn read(
        &self,
        topic: &str,
        after: u64,
        through: u64,
    ) -> anyhow::Result<Result<Vec<Change>, String>> {
        let t = quote(topic);
        let sql = format!(
            "SELECT position, kind, data, except FROM {TABLE}:[{t}, {}, 0]..=[{t}, {through}, {}] LIMIT {}",
            after + 1,
            i64::MAX,
            MAX_REPLAY + 1
        );
        let rows = db::rows(&self.db, sql, Value::Null).await?;
        if rows.len() > MAX_REPLAY {
            return Ok(Err(format!(
                "more than {MAX_REPLAY} changes after {after}; refetch"
            )));
        }
        let mut changes = Vec::with_capacity(rows.len());
        for row in rows {
            let position = row["position"].as_u64().unwrap_or_default();
            if row["kind"] == "late" {
                return Ok(Err(format!(
                    "changed at {position} in a way no frame tells; refetch"
                )));
            }
            changes.push(Change {
                topic: topic.to_owned(),
                position,
                kind: serde_json::from_value::<ChangeKind>(row["kind"].clone())?,
                data: row["data"].clone(),
                except: row["except"].as_str().map(str::to_owned),
            });
        }
        Ok(Ok(changes))
    }

    /// Drops the changes of positions more than [`KEPT_POSITIONS`] below `head`. A scan of the
    /// whole table (rows are keyed by topic first, for resumes), so it runs rarely.
    pub async fn prune(&self, head: u64) -> anyhow::Result<()> {
        let kept_after = head.saturating_sub(KEPT_POSITIONS);
        if kept_after <= self.kept_after.load(Ordering::Relaxed) {
            return Ok(());
        }
        // First the mark, then the rows: a resume never reads a half-pruned range as whole.
        self.kept_after.fetch_max(kept_after, Ordering::SeqCst);
        let sql = format!(
            "UPSERT live_meta:journal SET kept_after = math::max([kept_after ?? 0, $kept_after]);
             DELETE {TABLE} WHERE position <= $kept_after RETURN NONE;"
        );
        db::run(&self.db, sql, json!({ "kept_after": kept_after })).await?;
        Ok(())
    }

    /// Forgets every change up to `position` (they may quote a person erased since): resumes from
    /// below it refetch, as after a rebuild.
    pub async fn cut(&self, position: u64) -> anyhow::Result<()> {
        record_rebuild(&self.db, position).await?;
        let sql = format!("DELETE {TABLE} WHERE position <= $position RETURN NONE");
        db::run(&self.db, sql, json!({ "position": position })).await?;
        Ok(())
    }

    /// Prunes at start and then once an hour, for as long as the server runs.
    pub async fn prune_hourly(self, store: crate::store::Store) {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(error) = self.prune(store.head()).await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "pruning the live journal failed"
                );
            }
        }
    }
}

/// Adds the batch's changes to the batch's transaction, in the order they were made.
pub fn write(writes: &mut Writes, changes: &[Change]) {
    let mut seqs: HashMap<(&str, u64), u64> = HashMap::new();
    let rows = changes
        .iter()
        .map(|change| {
            let seq = seqs
                .entry((change.topic.as_str(), change.position))
                .or_default();
            *seq += 1;
            row(change, *seq - 1)
        })
        .collect();
    writes.insert_rows(TABLE, rows);
}

fn row(change: &Change, seq: u64) -> Value {
    let mut row = json!({
        "id": [change.topic, change.position, seq],
        "position": change.position,
        "kind": change.kind,
        "data": change.data,
    });
    if let Some(except) = &change.except {
        row["except"] = json!(except);
    }
    row
}

/// Marks that these topics changed at `position` in a way no frame tells (a parked event applied
/// late, a membership that changes a list): a resume from below it must refetch.
pub fn write_late(writes: &mut Writes, position: u64, topics: &[String]) {
    let rows = topics.iter().map(|topic| late_row(topic, position));
    writes.insert_rows(TABLE, rows.collect());
}

/// The same marks for the members of memberships that change their lists (`refetch`), each at its
/// own position, in one statement.
pub fn write_refetches(writes: &mut Writes, memberships: &[super::Membership]) {
    let marks = memberships.iter().filter(|m| m.refetch);
    let rows = marks.map(|m| late_row(&m.member, m.position));
    writes.insert_rows(TABLE, rows.collect());
}

/// A mark's row: above any change of its topic at its position (`LATE_SEQ`); a second mark of the
/// same topic and position is the same row, which the insert leaves alone.
fn late_row(topic: &str, position: u64) -> Value {
    json!({ "id": [topic, position, LATE_SEQ], "position": position, "kind": "late" })
}

/// Records that a read model was rebuilt and serves from `position`: resumes below it refetch.
pub async fn record_rebuild(db: &Db, position: u64) -> anyhow::Result<()> {
    db::run_retrying(db, &rebuilt_at(position), Value::Null).await?;
    Ok(())
}

/// The statement of [`record_rebuild`], for a caller that writes it in its own transaction.
pub fn rebuilt_at(position: u64) -> String {
    format!("UPSERT live_meta:journal SET rebuilt_at = math::max([rebuilt_at ?? 0, {position}])")
}
