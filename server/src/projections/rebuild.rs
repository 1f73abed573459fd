//! Rebuild without downtime: a projector's read model is built again from the first event into a new
//! generation of its tables, beside the generation that keeps serving queries and live changes.
//! Once the new generation has caught up with the serving runner, it takes over between two of the
//! runner's batches: the checkpoint names the new generation (one record, so the switch is atomic),
//! queries read it from then on, and the old generation's tables are dropped a little later.
//!
//! An interrupted rebuild leaves the serving generation untouched; its half-built tables are dropped
//! when the next rebuild starts.

use super::runner::{checkpoint, drop_generation, Runner};
use super::{Generation, Output};
use crate::db;
use app::wire::RebuildProgress;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events per transaction while rebuilding: more than live, since nobody waits on each one.
const REBUILD_BATCH: usize = 1000;
/// How long the old generation stays after the switch, for queries that had already chosen it.
const DROP_DELAY: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RebuildRefused {
    #[error("no such projector")]
    Unknown,
    #[error("a rebuild of this projector is running")]
    Running,
}

impl Runner {
    pub(super) fn start_rebuild(self: Arc<Self>) -> Result<(), RebuildRefused> {
        let next = Generation(self.generation().0 + 1);
        {
            let mut progress = self.lock_rebuild();
            if progress.as_ref().is_some_and(|p| !p.finished) {
                return Err(RebuildRefused::Running);
            }
            let total = self.store.head();
            *progress = Some(RebuildProgress {
                generation: next.0,
                done: 0,
                total,
                events_per_s: 0.0,
                eta_s: 0.0,
                finished: false,
            });
        }
        tokio::spawn(async move {
            while let Err(error) = self.rebuild_into(next).await {
                let name = self.projector.name();
                tracing::error!(
                    projector = name,
                    error = format!("{error:#}"),
                    "rebuild failed; starting it again"
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Ok(())
    }

    async fn rebuild_into(&self, next: Generation) -> anyhow::Result<()> {
        let projector = self.projector.as_ref();
        drop_generation(&self.db, projector, next).await?;
        db::run(&self.db, next.schema(projector.schema()), Value::Null).await?;
        let started = Instant::now();
        let mut position = 0;
        loop {
            let serving_at = *self.position.borrow();
            if position < serving_at {
                position = self.fill(next, position, serving_at, started).await?;
                continue;
            }
            // Caught up: take over between two of the serving runner's batches.
            let serving = self.serving.lock().await;
            let serving_at = *self.position.borrow();
            position = self.fill(next, position, serving_at, started).await?;
            let old = self.generation();
            db::run(&self.db, checkpoint(projector, position, next), Value::Null).await?;
            self.generation.store(next.0, Ordering::SeqCst);
            drop(serving);
            if let Some(progress) = self.lock_rebuild().as_mut() {
                progress.finished = true;
                progress.done = progress.total.max(position);
                progress.total = progress.done;
                progress.eta_s = 0.0;
            }
            tracing::info!(
                projector = projector.name(),
                generation = next.0,
                position,
                "rebuilt; serving the new generation"
            );
            tokio::time::sleep(DROP_DELAY).await;
            return drop_generation(&self.db, projector, old).await;
        }
    }

    /// Applies the events after `from` up to `to` to `generation`'s tables; returns where it got.
    async fn fill(
        &self,
        generation: Generation,
        mut from: u64,
        to: u64,
        started: Instant,
    ) -> anyhow::Result<u64> {
        while from < to {
            let wanted = usize::try_from(to - from)
                .unwrap_or(usize::MAX)
                .min(REBUILD_BATCH);
            let events = self.store.read_all(from, wanted).await?;
            let Some(last) = events.last() else { break };
            let mut out = Output::default();
            self.projector
                .apply(self.scope(generation), &events, &mut out)
                .await?;
            if !out.writes.is_empty() {
                let (sql, vars) = out.writes.into_transaction("LET $rebuilt = true");
                db::run(&self.db, sql, vars).await?;
            }
            from = last.position;
            self.progressed(from, started);
        }
        Ok(from)
    }

    fn progressed(&self, done: u64, started: Instant) {
        let total = self.store.head().max(done);
        let events_per_s = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
        if let Some(progress) = self.lock_rebuild().as_mut() {
            progress.done = done;
            progress.total = total;
            progress.events_per_s = events_per_s;
            progress.eta_s = (total - done) as f64 / events_per_s.max(1e-3);
        }
    }
}
