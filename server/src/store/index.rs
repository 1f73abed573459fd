//! The event index: the store's own read model of the log (CQRS inside the store). The commit writes
//! only what the store's guarantees need (see `schema.rs`); the admin's filters — type, actor,
//! correlation, causation, time, event id — are answered from these tables, which a projector fills
//! from the log like any read model: its lag, errors and rebuilds show on the admin's projections
//! page, and a query answers the position it reached (`query.rs` reads the log's tail above it).
//!
//! Rows are keys and nothing else, `INSERT IGNORE`d, so a redelivered batch changes nothing:
//! `event_by_type:[type, position]`, `event_by_actor:[actor, position]`,
//! `event_by_correlation:[correlation id, position]`, `event_by_causation:[causation id, position]`,
//! `event_by_at:[at, position]`, and `event_by_id:<event id>` with its `position`. A key's events are
//! a key-range scan in position order (see `crate::projections::keys`), never a secondary index.

use super::StoreError;
use crate::db::{self, Db};
use crate::projections::keys::quote;
use crate::projections::{Definition, Generation, Output, Projections, Scope};
use app::wire::Envelope;
use serde_json::{json, Value};
use uuid::Uuid;

pub const NAME: &str = "event_index";

const SCHEMA: &str = "
DEFINE TABLE IF NOT EXISTS event_by_type{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS event_by_actor{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS event_by_correlation{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS event_by_causation{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS event_by_at{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS event_by_id{g} SCHEMALESS;
";

/// Run by the runtime beside the contexts' projectors (see `crate::projections::runtime_projectors`);
/// it names no context and pushes no live change.
pub const EVENT_INDEX: Definition = Definition {
    name: NAME,
    version: 1,
    schema: SCHEMA,
    tables: &[
        "event_by_type",
        "event_by_actor",
        "event_by_correlation",
        "event_by_causation",
        "event_by_at",
        "event_by_id",
    ],
    in_order: false,
    sources: None,
    apply: |scope, events, out| Box::pin(apply(scope, events, out)),
};

/// A filter the index answers with rows `table:[key, position]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum By {
    Type,
    Actor,
    Correlation,
    Causation,
}

impl By {
    fn table(self) -> &'static str {
        match self {
            By::Type => "event_by_type",
            By::Actor => "event_by_actor",
            By::Correlation => "event_by_correlation",
            By::Causation => "event_by_causation",
        }
    }
}

async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let g = scope.generation;
    let (mut types, mut actors, mut correlations, mut causations) =
        (vec![], vec![], vec![], vec![]);
    let (mut times, mut ids) = (vec![], vec![]);
    for event in events {
        let (position, meta) = (event.position, &event.metadata);
        types.push(json!({ "id": [event.event_type, position] }));
        if let Some(actor) = &meta.actor {
            actors.push(json!({ "id": [actor, position] }));
        }
        if let Some(correlation) = meta.correlation_id {
            correlations.push(json!({ "id": [correlation.to_string(), position] }));
        }
        if let Some(causation) = meta.causation_id {
            causations.push(json!({ "id": [causation.to_string(), position] }));
        }
        times.push(json!({ "id": [meta.at, position] }));
        ids.push(json!({ "id": event.event_id.to_string(), "position": position }));
    }
    let writes = &mut out.writes;
    for (by, rows) in [
        (By::Type, types),
        (By::Actor, actors),
        (By::Correlation, correlations),
        (By::Causation, causations),
    ] {
        writes.insert_rows(&g.table(by.table()), rows);
    }
    writes.insert_rows(&g.table("event_by_at"), times);
    writes.insert_rows(&g.table("event_by_id"), ids);
    Ok(())
}

/// Which generation of the index serves and the position it has reached: what a query of the log's
/// filters reads (`Store::query`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexState {
    pub generation: Generation,
    pub position: u64,
}

impl IndexState {
    /// The index as this node's projections serve it now. The position is read first: a rebuild
    /// that takes over in between hands over a generation at least that far, never one behind it.
    pub fn of(projections: &Projections) -> IndexState {
        let position = projections.position(NAME);
        IndexState {
            position,
            generation: projections.generation(NAME),
        }
    }
}

/// The positions `first..=last` under `key` in `by`'s table, oldest first, at most `limit`.
pub(super) async fn positions(
    db: &Db,
    g: Generation,
    by: By,
    key: &str,
    (first, last): (u64, u64),
    limit: usize,
) -> Result<Vec<u64>, StoreError> {
    let key = quote(key);
    let sql = format!(
        "SELECT VALUE record::id(id)[1] FROM {}:[{key}, {first}]..=[{key}, {last}] LIMIT {limit}",
        g.table(by.table())
    );
    let rows = db::rows(db, sql, Value::Null).await?;
    Ok(rows.iter().filter_map(Value::as_u64).collect())
}

/// Where the event with this id is, if the index has it.
pub(super) async fn position_of(
    db: &Db,
    g: Generation,
    event_id: Uuid,
) -> Result<Option<u64>, StoreError> {
    let sql = format!(
        "SELECT VALUE position FROM type::record('{}', $id)",
        g.table("event_by_id")
    );
    let rows = db::rows(db, sql, json!({ "id": event_id.to_string() })).await?;
    Ok(rows.first().and_then(Value::as_u64))
}

/// A key of `event_by_at`: the time as stored, and the position.
pub(super) type TimeKey = (String, u64);

/// The keys of the window `from..=to` (times as stored, both ends optional) after `cursor`, in key
/// order (time, then position), at most `limit`.
pub(super) async fn times(
    db: &Db,
    g: Generation,
    (from, to): (Option<&str>, Option<&str>),
    cursor: Option<&TimeKey>,
    limit: usize,
) -> Result<Vec<TimeKey>, StoreError> {
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Ok(vec![]);
        }
    }
    // NONE sorts below every position and "" below every time: the window's first key.
    let start = match cursor {
        Some((at, position)) => format!("[{}, {position}]>", quote(at)),
        None => format!("[{}, NONE]", quote(from.unwrap_or(""))),
    };
    let end = to.map_or(String::new(), |to| {
        format!("=[{}, {}]", quote(to), i64::MAX)
    });
    let sql = format!(
        "SELECT VALUE record::id(id) FROM {}:{start}..{end} LIMIT {limit}",
        g.table("event_by_at")
    );
    let rows = db::rows(db, sql, Value::Null).await?;
    Ok(rows
        .iter()
        .filter_map(|key| Some((key[0].as_str()?.to_owned(), key[1].as_u64()?)))
        .collect())
}
