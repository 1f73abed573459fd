//! The event tables' schema, defined once per schema version.
//!
//! Immutability is enforced by SurrealDB itself, for every connection including the embedded and
//! root ones (which PERMISSIONS do not bind): the table is SCHEMAFULL, every field is READONLY, and a
//! synchronous table event THROWs on UPDATE and DELETE, which aborts the statement and its
//! transaction. What can still lift it is a schema change by an owner (`REMOVE EVENT`, `ALTER FIELD …
//! DROP READONLY`, `REMOVE TABLE`) or an import that redefines the table: operations of the
//! database's owner, outside the application. See docs/event-store.md.
//!
//! The commit writes only what the guarantees need: the row keyed by its position, the
//! `(stream, version)` index that finds a stream's last version, and the `(command_id, command_seq)`
//! index that finds a command. The admin's filters are answered by the event index, a projector of
//! the log (`index.rs`), not by indexes on the commit.

use crate::db::{self, Db};
use serde_json::json;

/// Raise this when the statements below change; a start with an older stored version re-runs them.
/// 3: the six indexes of the admin's filters left the event table (see `DROPPED`).
pub const SCHEMA_VERSION: i64 = 3;

const EVENT_TABLES: &str = r#"
DEFINE TABLE IF NOT EXISTS meta SCHEMALESS;

DEFINE TABLE IF NOT EXISTS event SCHEMAFULL;
DEFINE FIELD OVERWRITE position ON event TYPE int READONLY;
DEFINE FIELD OVERWRITE event_id ON event TYPE string READONLY;
DEFINE FIELD OVERWRITE stream ON event TYPE string READONLY;
DEFINE FIELD OVERWRITE version ON event TYPE int READONLY;
DEFINE FIELD OVERWRITE type ON event TYPE string READONLY;
DEFINE FIELD OVERWRITE schema ON event TYPE int READONLY;
DEFINE FIELD OVERWRITE data ON event TYPE object FLEXIBLE READONLY;
DEFINE FIELD OVERWRITE command_id ON event TYPE string READONLY;
DEFINE FIELD OVERWRITE command_seq ON event TYPE int READONLY;
DEFINE FIELD OVERWRITE correlation_id ON event TYPE string READONLY;
DEFINE FIELD OVERWRITE causation_id ON event TYPE option<string> READONLY;
DEFINE FIELD OVERWRITE actor ON event TYPE option<string> READONLY;
DEFINE FIELD OVERWRITE at ON event TYPE string READONLY;
DEFINE EVENT OVERWRITE immutable ON event WHEN $event = "UPDATE" OR $event = "DELETE" THEN {
    THROW "events are immutable";
};
DEFINE INDEX IF NOT EXISTS event_stream_version ON event FIELDS stream, version UNIQUE;
DEFINE INDEX IF NOT EXISTS event_command ON event FIELDS command_id, command_seq UNIQUE;

DEFINE TABLE IF NOT EXISTS command SCHEMAFULL;
DEFINE FIELD OVERWRITE position ON command TYPE int READONLY;
DEFINE EVENT OVERWRITE immutable ON command WHEN $event = "UPDATE" OR $event = "DELETE" THEN {
    THROW "command records are immutable";
};
"#;

/// The indexes of schema version 2 that each cost an append about as much as its row: the admin's
/// filters, now served by the event index (`index.rs`). Event ids need no unique index: they are v7
/// UUIDs the server makes, unique by construction, and an import checks the ones it brings.
const DROPPED: &str = "
REMOVE INDEX IF EXISTS event_event_id ON event;
REMOVE INDEX IF EXISTS event_type ON event;
REMOVE INDEX IF EXISTS event_actor ON event;
REMOVE INDEX IF EXISTS event_correlation ON event;
REMOVE INDEX IF EXISTS event_causation ON event;
REMOVE INDEX IF EXISTS event_at ON event;
";

/// Defines the event tables unless this schema version is in place already.
pub async fn ensure(db: &Db) -> Result<(), surrealdb::Error> {
    let sql = "DEFINE TABLE IF NOT EXISTS meta SCHEMALESS; SELECT VALUE version FROM meta:schema;";
    let stored: Vec<serde_json::Value> =
        db::run(db, sql, serde_json::Value::Null).await?.take(1)?;
    if stored.first().and_then(|v| v.as_i64()) >= Some(SCHEMA_VERSION) {
        return Ok(());
    }
    db::run(db, EVENT_TABLES, serde_json::Value::Null).await?;
    // In place: a database of an older version loses the indexes no statement above defines now.
    db::run(db, DROPPED, serde_json::Value::Null).await?;
    db::run(db, super::snapshot::SCHEMA, serde_json::Value::Null).await?;
    db::run(
        db,
        "UPSERT meta:schema SET version = $version",
        json!({ "version": SCHEMA_VERSION }),
    )
    .await?;
    Ok(())
}
