//! Parked events: what a projector could not apply after every retry, kept with its error so the
//! projector moves on, and applied again on request once the cause is fixed.

use super::runner::{Runner, MAX_BACKOFF};
use super::Output;
use crate::db::{self, Db};
use crate::live::Membership;
use crate::store::Store;
use app::wire::Envelope;
use serde_json::json;

/// The row that keeps an event someone gave up on: a projector, or a subscription's handler.
pub(crate) fn parked_row(parked_by: &str, event: &Envelope, error: &str) -> serde_json::Value {
    json!({
        "projector": parked_by,
        "position": event.position,
        "event_id": event.event_id.to_string(),
        "event_type": event.event_type,
        "error": error,
        "at": chrono::Utc::now().to_rfc3339(),
    })
}

/// How many events `parked_by` (a projector or a policy) has parked.
pub(crate) async fn count_parked(db: &Db, name: &str) -> anyhow::Result<u64> {
    let sql = "SELECT count() AS parked FROM parked WHERE projector = $name GROUP ALL";
    let rows = db::rows(db, sql, json!({ "name": name })).await?;
    Ok(rows
        .first()
        .and_then(|row| row["parked"].as_u64())
        .unwrap_or(0))
}

/// The events `parked_by` (a projector or a policy) parked, oldest first, read from the log.
pub(crate) async fn parked_events(
    db: &Db,
    store: &Store,
    parked_by: &str,
) -> anyhow::Result<Vec<Envelope>> {
    let sql = "SELECT VALUE position FROM parked WHERE projector = $parked_by ORDER BY position";
    let positions = db::rows(db, sql, json!({ "parked_by": parked_by })).await?;
    let mut events = Vec::with_capacity(positions.len());
    for position in positions.iter().filter_map(|p| p.as_u64()) {
        match store.event(position).await? {
            Some(event) => events.push(event),
            None => tracing::error!(parked_by, position, "a parked event is not in the log"),
        }
    }
    Ok(events)
}

impl Runner {
    /// Keeps an event that cannot be projected, with its error, and moves past it in one transaction.
    pub(super) async fn park(&self, event: &Envelope) {
        let _serving = self.serving.lock().await;
        let error = self.lock_stats().last_error.clone().unwrap_or_default();
        let name = self.projector.name();
        tracing::error!(projector = name, position = event.position, %error, "event parked");
        let sql = format!(
            "BEGIN; CREATE parked CONTENT $parked; {}; COMMIT;",
            self.checkpoint_statement(event.position)
        );
        let parked = parked_row(name, event, &error);
        loop {
            match db::run(&self.db, &sql, json!({ "parked": parked })).await {
                Ok(_) => break,
                Err(error) => {
                    tracing::error!(projector = name, %error, "parking failed; trying again");
                    tokio::time::sleep(MAX_BACKOFF).await;
                }
            }
        }
        self.lock_stats().parked += 1;
        self.saved_at(event.position);
        self.advanced(event.position, vec![], vec![]);
    }

    /// Applies each parked event again, oldest first; one that succeeds leaves the parked table in
    /// the same transaction as its writes. Parked events are applied after later ones: read models
    /// whose writes depend on order must say so in their projector.
    pub(super) async fn retry_parked(&self) {
        let name = self.projector.name();
        let events = match parked_events(&self.db, &self.store, name).await {
            Ok(events) => events,
            Err(error) => {
                let error = format!("{error:#}");
                return tracing::error!(projector = name, %error, "reading parked events failed");
            }
        };
        for event in events {
            match self.reapply(&event).await {
                Ok(()) => self.lock_stats().parked -= 1,
                Err(error) => tracing::warn!(
                    projector = name,
                    position = event.position,
                    error = format!("{error:#}"),
                    "still failing"
                ),
            }
        }
    }

    async fn reapply(&self, event: &Envelope) -> anyhow::Result<()> {
        let _serving = self.serving.lock().await;
        let mut out = Output::default();
        let events = std::slice::from_ref(event);
        self.projector
            .apply(
                self.scope(self.generation(), self.live_at(event.position)),
                events,
                &mut out,
            )
            .await?;
        let release = format!(
            "DELETE parked WHERE projector = '{}' AND position = {}",
            self.projector.name(),
            event.position
        );
        // Its changes come after later ones were pushed: clients of those topics refetch, and so
        // does a resume from before now.
        let mut topics: Vec<String> = out.changes.iter().map(|c| c.topic.clone()).collect();
        topics.extend(out.memberships.iter().map(|m| m.member.clone()));
        topics.sort();
        topics.dedup();
        let now = *self.position.borrow();
        crate::live::journal::write_late(&mut out.writes, now, &topics);
        let (sql, vars) = out.writes.into_transaction(&release);
        db::run(&self.db, sql, vars).await?;
        // Its members are told to refetch below, at `now`: not again at the event's own position.
        let memberships = out.memberships.into_iter().map(|m| Membership {
            refetch: false,
            ..m
        });
        self.hub.publish_with(now, vec![], memberships.collect());
        self.hub.invalidate(now, &topics);
        Ok(())
    }
}
