//! Reads of the event tables: one stream, the whole log by position, command records (the admin's
//! filtered pages are `query.rs`).

use super::{CommandRecord, StoreError};
use crate::db::{self, Db};
use app::wire::{AppendedEvent, Envelope, EnvelopeMetadata};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// The stored fields of an event, in the order of the envelope.
pub(super) const FIELDS: &str =
    "position, event_id, stream, version, type, schema, data, command_id, correlation_id, causation_id, actor, at";

#[derive(Deserialize)]
struct Row {
    position: u64,
    event_id: Uuid,
    stream: String,
    version: u64,
    #[serde(rename = "type")]
    event_type: String,
    schema: u32,
    data: Value,
    command_id: Uuid,
    correlation_id: Uuid,
    #[serde(default)]
    causation_id: Option<Uuid>,
    #[serde(default)]
    actor: Option<String>,
    at: String,
}

/// Turns stored rows into envelopes as stored (the `Store` lifts older schemas, see `upcast.rs`).
pub(super) fn envelopes(rows: Vec<Value>) -> Result<Vec<Envelope>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let row: Row =
                serde_json::from_value(row).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(Envelope {
                position: row.position,
                event_id: row.event_id,
                stream: row.stream,
                version: row.version,
                event_type: row.event_type,
                schema: row.schema,
                data: row.data,
                metadata: EnvelopeMetadata {
                    command_id: Some(row.command_id),
                    correlation_id: Some(row.correlation_id),
                    causation_id: row.causation_id,
                    actor: row.actor,
                    at: row.at,
                    personal: None,
                },
            })
        })
        .collect()
}

pub async fn stored_head(db: &Db) -> Result<u64, StoreError> {
    let head = db::rows(db, "SELECT VALUE position FROM meta:head", Value::Null).await?;
    Ok(head.first().and_then(Value::as_u64).unwrap_or(0))
}

pub async fn stream(
    db: &Db,
    stream: &str,
    after_version: u64,
) -> Result<Vec<Envelope>, StoreError> {
    let sql = format!("SELECT {FIELDS} FROM event WHERE stream = $stream AND version > $after_version ORDER BY version");
    envelopes(
        db::rows(
            db,
            sql,
            json!({ "stream": stream, "after_version": after_version }),
        )
        .await?,
    )
}

/// Positions are gap-free, so the events after `after` are exactly the record range
/// `event:after+1 ..= event:after+limit`: a key-range scan, as fast at position 10⁷ as at 10.
pub async fn all(
    db: &Db,
    after: u64,
    limit: usize,
    head: u64,
) -> Result<Vec<Envelope>, StoreError> {
    let last = head.min(after.saturating_add(limit as u64));
    if last <= after {
        return Ok(vec![]);
    }
    let sql = format!("SELECT {FIELDS} FROM event:{after}>..={last}");
    envelopes(db::rows(db, sql, Value::Null).await?)
}

/// Where each stream that exists began: its first event's position alone, so that nothing is
/// decoded or opened (a page of notifications asks this of every post it names).
pub async fn first_positions(
    db: &Db,
    streams: &[String],
) -> Result<HashMap<String, u64>, StoreError> {
    let mut first = HashMap::new();
    for (stream, rows) in first_rows(db, streams, "VALUE position").await? {
        if let Some(position) = rows.first().and_then(Value::as_u64) {
            first.insert(stream.clone(), position);
        }
    }
    Ok(first)
}

/// The first event of each stream that exists.
pub async fn first_events(
    db: &Db,
    streams: &[String],
) -> Result<HashMap<String, Envelope>, StoreError> {
    let mut first = HashMap::new();
    for (stream, rows) in first_rows(db, streams, FIELDS).await? {
        if let Some(event) = envelopes(rows)?.into_iter().next() {
            first.insert(stream.clone(), event);
        }
    }
    Ok(first)
}

/// `fields` of each stream's first event: one indexed lookup per stream (`stream = $s AND
/// version = 1` meets the unique index exactly), in one round trip.
async fn first_rows<'a>(
    db: &Db,
    streams: &'a [String],
    fields: &str,
) -> Result<Vec<(&'a String, Vec<Value>)>, StoreError> {
    if streams.is_empty() {
        return Ok(vec![]);
    }
    let sql: String = (0..streams.len())
        .map(|i| format!("SELECT {fields} FROM event WHERE stream = $s{i} AND version = 1;"))
        .collect();
    let vars: Map<String, Value> = streams
        .iter()
        .enumerate()
        .map(|(i, stream)| (format!("s{i}"), json!(stream)))
        .collect();
    let mut results = db::run(db, sql, Value::Object(vars)).await?;
    let mut rows = Vec::with_capacity(streams.len());
    for (i, stream) in streams.iter().enumerate() {
        rows.push((stream, results.take(i)?));
    }
    Ok(rows)
}

pub async fn find_command(db: &Db, command_id: Uuid) -> Result<Option<CommandRecord>, StoreError> {
    let sql = "SELECT position, stream, version, type FROM event WHERE command_id = $id ORDER BY position;
               SELECT VALUE position FROM type::record('command', $id);";
    let mut results = db::run(db, sql, json!({ "id": command_id.to_string() })).await?;
    let events: Vec<Value> = results.take(0)?;
    let events: Vec<AppendedEvent> = events
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if let Some(last) = events.last() {
        return Ok(Some(CommandRecord {
            position: last.position,
            events,
        }));
    }
    let noop: Vec<Value> = results.take(1)?;
    Ok(noop
        .first()
        .and_then(Value::as_u64)
        .map(|position| CommandRecord {
            position,
            events: vec![],
        }))
}
