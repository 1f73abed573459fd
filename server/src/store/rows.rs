//! What the writer stores: an event's row, and the record of a command that appended nothing.

use super::read::find_command;
use super::writer::unique_violation;
use super::{Append, CommandRecord, StoreError};
use crate::db::{self, Db};
use serde_json::{json, Value};
use uuid::Uuid;

/// The stored row of one event: its record id is its position.
pub(super) fn row(append: &Append, seq: usize, position: u64, version: u64, at: &str) -> Value {
    let event = &append.events[seq];
    let meta = &append.metadata;
    let mut row = json!({
        "id": position,
        "position": position,
        "event_id": event.event_id.to_string(),
        "stream": append.stream,
        "version": version,
        "type": event.event_type,
        "schema": event.schema,
        "data": event.data,
        "command_id": meta.command_id.to_string(),
        "command_seq": seq,
        "correlation_id": meta.correlation_id.to_string(),
        "at": at,
    });
    // option<string> fields take NONE, not NULL: absent keys stay NONE.
    if let Some(causation) = meta.causation_id {
        row["causation_id"] = json!(causation.to_string());
    }
    if let Some(actor) = &meta.actor {
        row["actor"] = json!(actor);
    }
    row
}

/// Records a command that appended nothing. If another node recorded it first, its answer wins.
pub(super) async fn record_noop(
    db: &Db,
    command_id: Uuid,
    head: u64,
) -> Result<CommandRecord, StoreError> {
    let sql = "CREATE type::record('command', $id) SET position = $position";
    match db::run(
        db,
        sql,
        json!({ "id": command_id.to_string(), "position": head }),
    )
    .await
    {
        Ok(_) => Ok(CommandRecord {
            position: head,
            events: vec![],
        }),
        Err(error) if unique_violation(&error) => find_command(db, command_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a command record vanished".into())),
        Err(error) => Err(error.into()),
    }
}
