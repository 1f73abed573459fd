//! Bringing a whole log in (from `agora export`): checked first, written only if all of it is sound.

use super::{Store, StoreError};
use crate::db;
use app::wire::Envelope;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

const CHUNK: usize = 500;
/// Positions per read when an import's event ids are checked against the log.
const ID_PAGE: u64 = 5_000;

/// Why a log cannot be imported, with the 1-based line that shows it.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ImportError {
    pub line: usize,
    pub reason: String,
}

/// Parses NDJSON envelopes and checks what the store promises: positions contiguous from `after + 1`,
/// each stream's versions contiguous from where the store has it, event ids never seen twice.
pub fn check(
    ndjson: &str,
    after: u64,
    stream_versions: &HashMap<String, u64>,
) -> Result<Vec<Envelope>, ImportError> {
    let mut events = Vec::new();
    let mut versions = stream_versions.clone();
    let mut ids = HashSet::new();
    for (index, text) in ndjson
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line = index + 1;
        let fail = |reason: String| ImportError { line, reason };
        let event: Envelope =
            serde_json::from_str(text).map_err(|e| fail(format!("not an event envelope: {e}")))?;
        let expected = after + events.len() as u64 + 1;
        if event.position != expected {
            return Err(fail(format!(
                "position {} where {expected} was due",
                event.position
            )));
        }
        let version = versions.entry(event.stream.clone()).or_default();
        if event.version != *version + 1 {
            return Err(fail(format!(
                "{} version {} where {} was due",
                event.stream,
                event.version,
                *version + 1
            )));
        }
        *version = event.version;
        if !ids.insert(event.event_id) {
            return Err(fail(format!("event id {} appears twice", event.event_id)));
        }
        if event.metadata.command_id.is_none() || event.metadata.correlation_id.is_none() {
            return Err(fail(
                "an event needs its command_id and correlation_id".into(),
            ));
        }
        events.push(event);
    }
    Ok(events)
}

/// Event ids are unique by construction (v7 UUIDs the server makes) and no index refuses a repeated
/// one; an import brings ids made elsewhere, so those are checked against the log it continues: one
/// read of the log's ids by position (none for an empty store).
pub async fn check_ids(store: &Store, ndjson: &str, events: &[Envelope]) -> anyhow::Result<()> {
    let ids: HashMap<Uuid, usize> = events
        .iter()
        .enumerate()
        .map(|(index, event)| (event.event_id, index))
        .collect();
    let (head, mut after) = (store.head(), 0);
    while after < head {
        let last = head.min(after + ID_PAGE);
        let sql = format!("SELECT position, event_id FROM event:{after}>..={last}");
        for row in db::rows(store.db(), sql, Value::Null).await? {
            let id = row["event_id"]
                .as_str()
                .and_then(|id| Uuid::parse_str(id).ok());
            if let Some(&index) = id.as_ref().and_then(|id| ids.get(id)) {
                return Err(ImportError {
                    line: line_of(ndjson, index),
                    reason: format!(
                        "event id {} is the event at position {} already",
                        events[index].event_id, row["position"]
                    ),
                }
                .into());
            }
        }
        after = last;
    }
    Ok(())
}

/// The 1-based line of the `nth` event, counted as `check` counts them.
fn line_of(ndjson: &str, nth: usize) -> usize {
    ndjson
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .nth(nth)
        .map_or(0, |(index, _)| index + 1)
}

impl Store {
    /// Appends checked envelopes as they are (positions, ids, metadata, times), in transactions that
    /// each check and raise the head like any append.
    pub async fn import(&self, events: &[Envelope]) -> Result<(), StoreError> {
        self.import_continuing(events, &mut HashMap::new()).await
    }

    /// The same for one part of a longer import: `seq` counts each command's events so far, so a
    /// command whose events straddle two parts keeps its index within the command.
    pub(super) async fn import_continuing(
        &self,
        events: &[Envelope],
        seq: &mut HashMap<uuid::Uuid, usize>,
    ) -> Result<(), StoreError> {
        for chunk in events.chunks(CHUNK) {
            let mut sealed = chunk.to_vec();
            for event in &mut sealed {
                self.inner
                    .personal
                    .seal_envelope(&self.inner.vault, event)
                    .await?;
            }
            let rows: Vec<Value> = sealed
                .iter()
                .map(|event| {
                    let command_id = event.metadata.command_id.unwrap_or_default();
                    let n = seq.entry(command_id).or_default();
                    let mut row = json!({
                        "id": event.position, "position": event.position, "event_id": event.event_id.to_string(),
                        "stream": event.stream, "version": event.version, "type": event.event_type,
                        "schema": event.schema, "data": event.data, "command_id": command_id.to_string(),
                        "command_seq": *n, "correlation_id": event.metadata.correlation_id.unwrap_or_default().to_string(),
                        "at": event.metadata.at,
                    });
                    *n += 1;
                    if let Some(causation) = event.metadata.causation_id {
                        row["causation_id"] = json!(causation.to_string());
                    }
                    if let Some(actor) = &event.metadata.actor {
                        row["actor"] = json!(actor);
                    }
                    row
                })
                .collect();
            let head = chunk[0].position - 1;
            let last = chunk[chunk.len() - 1].position;
            let sql = "BEGIN;
                IF ((SELECT VALUE position FROM meta:head)[0] ?? 0) != $head { THROW 'the log moved during the import' };
                INSERT INTO event $rows;
                UPSERT meta:head SET position = $last;
                COMMIT;";
            db::run(
                self.db(),
                sql,
                json!({ "head": head, "last": last, "rows": rows }),
            )
            .await?;
            self.raise_head(last);
        }
        Ok(())
    }

    /// The last version of every stream (for checking an import against what is stored).
    pub async fn stream_versions(&self) -> Result<HashMap<String, u64>, StoreError> {
        let sql = "SELECT stream, math::max(version) AS version FROM event GROUP BY stream";
        let rows = db::rows(self.db(), sql, Value::Null).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((row["stream"].as_str()?.to_owned(), row["version"].as_u64()?)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(position: u64, stream: &str, version: u64, id: u128) -> String {
        json!({
            "position": position, "event_id": uuid::Uuid::from_u128(id), "stream": stream, "version": version,
            "type": "PostHidden", "schema": 1, "data": {},
            "metadata": { "command_id": uuid::Uuid::from_u128(id), "correlation_id": uuid::Uuid::from_u128(id),
                          "causation_id": null, "actor": null, "at": "2026-01-01T00:00:00.000000Z" }
        })
        .to_string()
    }

    #[test]
    fn a_sound_log_passes() {
        let log = [line(1, "a", 1, 1), line(2, "b", 1, 2), line(3, "a", 2, 3)].join("\n");
        assert_eq!(check(&log, 0, &HashMap::new()).unwrap().len(), 3);
    }

    #[test]
    fn a_broken_log_names_its_line() {
        let gap = [line(1, "a", 1, 1), line(3, "a", 2, 2)].join("\n");
        assert_eq!(check(&gap, 0, &HashMap::new()).unwrap_err().line, 2);
        let version = [line(1, "a", 1, 1), line(2, "a", 3, 2)].join("\n");
        assert_eq!(check(&version, 0, &HashMap::new()).unwrap_err().line, 2);
        let twice = [line(1, "a", 1, 1), line(2, "b", 1, 1)].join("\n");
        assert_eq!(check(&twice, 0, &HashMap::new()).unwrap_err().line, 2);
        let garbage = [line(1, "a", 1, 1), "{oops".to_owned()].join("\n");
        assert_eq!(check(&garbage, 0, &HashMap::new()).unwrap_err().line, 2);
    }
}
