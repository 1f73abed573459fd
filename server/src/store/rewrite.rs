//! The owner's copy-and-replace migration: the whole log copied into an empty store with every event
//! lifted to its current schema (so a field an upcaster drops, such as an old password hash, is gone
//! from the stored rows too), then checked event by event. The log's immutability holds: nothing is
//! changed in place; the owner swaps the new database in once the check has passed.

use super::{Store, StoreError};
use app::wire::Envelope;
use serde_json::Value;

const PAGE: usize = 1000;

/// What a rewrite copied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rewritten {
    pub events: u64,
    /// Events whose stored schema or data changed on the way.
    pub lifted: u64,
}

impl Store {
    /// Copies this log into `into`, which must be empty; `progress(done, total)` after each page.
    pub async fn rewrite_into(
        &self,
        into: &Store,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<Rewritten, StoreError> {
        if into.head() != 0 {
            return Err(StoreError::Unavailable(
                "the target database already holds events".into(),
            ));
        }
        // The keys first: the copy's events open with them, and events written before personal
        // data was sealed are sealed on the way (or dropped, for a person erased since).
        self.copy_keys(into).await?;
        let (total, mut after, mut lifted) = (self.head(), 0, 0);
        let mut seq = std::collections::HashMap::new();
        while after < total {
            let stored = self.read_all_as_stored(after, PAGE).await?;
            let Some(last) = stored.last() else { break };
            after = last.position;
            let current: Vec<Envelope> = stored
                .iter()
                .map(|event| {
                    let lifted_event = self.inner.upcasters.lift(event.clone());
                    if lifted_event != *event {
                        lifted += 1;
                    }
                    lifted_event
                })
                .collect();
            into.import_continuing(&current, &mut seq).await?;
            progress(after, total);
        }
        self.check_rewrite(into, total).await?;
        self.copy_noop_records(into).await?;
        Ok(Rewritten {
            events: total,
            lifted,
        })
    }

    /// The records of commands that appended nothing, so their ids still answer as duplicates (a
    /// policy redelivered an old event must find its first answer in the new database too).
    async fn copy_noop_records(&self, into: &Store) -> Result<(), StoreError> {
        let sql = "SELECT record::id(id) AS key, * OMIT id FROM command";
        let rows = crate::db::keys_as_ids(crate::db::rows(self.db(), sql, Value::Null).await?);
        for chunk in rows.chunks(PAGE) {
            let sql = "INSERT INTO command $rows RETURN NONE";
            crate::db::run(into.db(), sql, serde_json::json!({ "rows": chunk })).await?;
        }
        Ok(())
    }

    /// The personal data's keys and tombstones: the copy keeps its events sealed as they were.
    async fn copy_keys(&self, into: &Store) -> Result<(), StoreError> {
        let rows = self.inner.vault.rows().await?;
        for chunk in rows.chunks(PAGE) {
            let sql = "INSERT INTO person_key $rows RETURN NONE";
            crate::db::run(into.db(), sql, serde_json::json!({ "rows": chunk })).await?;
        }
        Ok(())
    }

    /// Every event of `into` is this log's event at the same position, lifted: the same id, stream,
    /// version, type and metadata, and the data and schema the upcasters give.
    async fn check_rewrite(&self, into: &Store, total: u64) -> Result<(), StoreError> {
        if into.head() != total {
            return Err(StoreError::Corrupt(format!(
                "the copy has {} events, the log {total}",
                into.head()
            )));
        }
        let mut after = 0;
        while after < total {
            let old = self.read_all(after, PAGE).await?;
            let new = into.read_all(after, PAGE).await?;
            if old.len() != new.len() {
                return Err(StoreError::Corrupt(format!(
                    "after position {after} the copy differs in length"
                )));
            }
            for (old, new) in old.into_iter().zip(&new) {
                let position = old.position;
                if same_but_sealed(old, new.clone()) {
                    continue;
                }
                return Err(StoreError::Corrupt(format!(
                    "event {position} did not come through unchanged"
                )));
            }
            after = new.last().map_or(total, |e| e.position);
        }
        Ok(())
    }
}

/// The copy reads as the log does, but for its personal data's mark: an event written before
/// sealing is sealed in the copy, and one of a person erased since has lost those fields.
fn same_but_sealed(mut old: Envelope, mut new: Envelope) -> bool {
    if let Some(mark) = new.metadata.personal.take() {
        if mark.erased {
            if let Some(data) = old.data.as_object_mut() {
                mark.fields.iter().for_each(|field| {
                    data.remove(field);
                });
            }
        }
    }
    old.metadata.personal = None;
    old == new
}
