//! Snapshots: an aggregate's folded state at a stream version, so loading a long stream reads the
//! snapshot and only the events after it. A snapshot is a cache: it can be dropped at any time, and
//! one written by another state shape (`shape`) is ignored.

use super::{Store, StoreError};
use crate::db;
use serde_json::{json, Value};

/// A stored state and the stream version it folds.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub version: u64,
    pub state: Value,
}

pub(super) const SCHEMA: &str = "DEFINE TABLE IF NOT EXISTS snapshot SCHEMALESS;";

impl Store {
    /// A stream's latest snapshot of this `shape` and the events after it: two statements, the
    /// second a plain indexed range (`EXPLAIN` shows `IndexScan event_stream_version`), where the
    /// version bound used to be an expression over the first statement's result.
    pub async fn read_from_snapshot(
        &self,
        stream: &str,
        shape: u32,
    ) -> Result<(Option<Snapshot>, Vec<app::wire::Envelope>), StoreError> {
        let snapshot = self.snapshot(stream, shape).await?;
        let after = snapshot.as_ref().map_or(0, |s| s.version);
        let events = self.read_stream(stream, after).await?;
        Ok((snapshot, events))
    }

    /// The latest snapshot of a stream taken with this state `shape`, if any.
    pub async fn snapshot(&self, stream: &str, shape: u32) -> Result<Option<Snapshot>, StoreError> {
        let sql =
            "SELECT version, state FROM type::record('snapshot', $stream) WHERE shape = $shape";
        let rows = db::rows(self.db(), sql, json!({ "stream": stream, "shape": shape })).await?;
        Ok(rows.into_iter().next().and_then(|row| {
            Some(Snapshot {
                version: row["version"].as_u64()?,
                state: row["state"].clone(),
            })
        }))
    }

    /// Keeps a snapshot unless a newer one of the same shape is stored already.
    pub async fn save_snapshot(
        &self,
        stream: &str,
        shape: u32,
        snapshot: &Snapshot,
    ) -> Result<(), StoreError> {
        let sql = "LET $old = (SELECT VALUE version FROM type::record('snapshot', $stream) WHERE shape = $shape)[0] ?? 0;
                   IF $old < $version {
                       UPSERT type::record('snapshot', $stream) CONTENT { version: $version, shape: $shape, state: $state };
                   };";
        let vars = json!({ "stream": stream, "shape": shape, "version": snapshot.version, "state": snapshot.state });
        db::run(self.db(), sql, vars).await?;
        Ok(())
    }

    /// Drops a stream's snapshot (it may hold what must be forgotten: a person erased).
    pub async fn drop_snapshot(&self, stream: &str) -> Result<(), StoreError> {
        let sql = "DELETE type::record('snapshot', $stream)";
        db::run(self.db(), sql, json!({ "stream": stream })).await?;
        Ok(())
    }

    /// Drops the snapshots of the streams `<prefix>-…` taken with a shape below `shape`: a cache
    /// whose old shape must not linger (it may hold what the new shape left out).
    pub async fn drop_snapshots_below(&self, prefix: &str, shape: u32) -> Result<u64, StoreError> {
        let sql = "DELETE snapshot WHERE shape < $shape AND string::starts_with(record::id(id), $prefix) RETURN BEFORE";
        let vars = json!({ "shape": shape, "prefix": format!("{prefix}-") });
        Ok(db::rows(self.db(), sql, vars).await?.len() as u64)
    }
}
