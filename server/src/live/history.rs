//! What a resume older than the hub's ring is answered from: the journal for the read models'
//! topics, the log itself for `admin:events`, and the projectors' current rows for
//! `admin:projections` (a dashboard of states, each row's latest being all it needs).

use super::feed::{dashboard_changes, event_change, Dashboard};
use super::journal::{Journal, MAX_REPLAY};
use super::topics::Topics;
use super::topics::{ADMIN_EVENTS, ADMIN_PROJECTIONS};
use super::{frames, Change};
use crate::projections::Projections;
use crate::store::Store;
use axum::extract::ws::Utf8Bytes;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct History {
    pub journal: Journal,
    pub store: Store,
    pub projections: Projections,
    pub dashboard: Dashboard,
}

impl History {
    /// The changes of `topic` (and of its `sources`, see [`super::Membership`]) above `after` up
    /// to `through` (a position the hub has published up to), in order; `Err` with the reason to
    /// resync when they cannot be told.
    pub async fn after(
        &self,
        topic: &str,
        sources: &[String],
        after: u64,
        through: u64,
        wait: Duration,
        topics: &Topics,
    ) -> Result<Arc<Vec<Utf8Bytes>>, String> {
        let failed = |error: anyhow::Error| {
            tracing::warn!(
                topic,
                error = format!("{error:#}"),
                "a resume could not be read"
            );
            "the history of this topic could not be read; refetch".to_owned()
        };
        let framed = |changes: Vec<Change>| {
            Arc::new(
                frames(topics, changes)
                    .into_iter()
                    .map(|(_, text)| text)
                    .collect(),
            )
        };
        match topic {
            ADMIN_EVENTS => Ok(framed(self.events(after, through).await.map_err(failed)??)),
            ADMIN_PROJECTIONS => {
                let rows = self
                    .dashboard
                    .rows(true)
                    .await
                    .into_iter()
                    .map(|(_, row)| row);
                Ok(framed(dashboard_changes(rows.collect(), through)))
            }
            _ => {
                // After a restart the ring begins at the head while the read models still catch
                // up: the journal holds all up to `through` once every one has passed it.
                if !self.projections.wait_for_all(through, wait).await {
                    return Err("the read models are still catching up; refetch".into());
                }
                self.journal
                    .frames(topic, sources, after, through, topics)
                    .await
                    .map_err(failed)?
            }
        }
    }

    async fn events(
        &self,
        after: u64,
        through: u64,
    ) -> anyhow::Result<Result<Vec<Change>, String>> {
        if through.saturating_sub(after) > MAX_REPLAY as u64 {
            return Ok(Err(format!(
                "more than {MAX_REPLAY} events after {after}; refetch"
            )));
        }
        let events = self
            .store
            .read_all(after, (through - after) as usize)
            .await?;
        Ok(Ok(events
            .into_iter()
            .filter(|event| event.position <= through)
            .map(|event| event_change(&event))
            .collect()))
    }
}
