//! Rebuild without downtime: a projector's read model is built again from the first event into a new
//! generation of its tables, beside the generation that keeps serving queries and live changes.
//! Once the new generation has caught up with the serving runner, it takes over between two of the
//! runner's batches: the checkpoint names the new generation (one record, so the switch is atomic),
//! queries read it from then on, and the old generation's tables are dropped a little later.
//!
//! The same happens at start when a projector's version changed and its new code can still read the
//! old version's tables (`Projector::serves_from`): the old generation keeps serving, frozen at its
//! checkpoint, until the new one has caught up with the head.
//!
//! An interrupted rebuild leaves the serving generation untouched; its half-built tables are dropped
//! when the next rebuild starts.

use super::checkpoint::{checkpoint, drop_generation};
use super::runner::{load_memberships, Runner};
use super::{Generation, Output};
use crate::db;
use crate::live::journal;
use crate::store::{Store, StoreError};
use app::wire::{Envelope, RebuildProgress};
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events per transaction while rebuilding: more than live, since nobody waits on each one.
const REBUILD_BATCH: usize = 1000;
/// Pages read ahead of the batch being applied.
const READ_AHEAD: usize = 4;
/// How long the old generation stays after the switch, for queries that had already chosen it.
const DROP_DELAY: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RebuildRefused {
    #[error("no such projector")]
    Unknown,
    #[error("a rebuild of this projector is running")]
    Running,
}

/// What the new generation must catch up with before it takes over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Until {
    /// The serving runner, which keeps applying new events to the serving generation meanwhile.
    ServingRunner,
    /// The head of the log: the serving generation is frozen (an upgrade found at start).
    Head,
}

impl Runner {
    /// An admin's rebuild of the running version.
    pub(super) fn start_rebuild(self: Arc<Self>) -> Result<(), RebuildRefused> {
        let next = Generation(self.generation().0 + 1);
        self.begin(next)?;
        tokio::spawn(async move {
            if let Some((old, _)) = self.rebuild_until(next, Until::ServingRunner).await {
                self.drop_later(old).await;
            }
        });
        Ok(())
    }

    /// A new version found at start whose queries can read the old tables: they keep serving, frozen,
    /// until `next` has caught up with the head; then the runner goes on from there on `next`.
    pub(super) fn upgrade(self: Arc<Self>, next: Generation) {
        if self.begin(next).is_err() {
            return;
        }
        tokio::spawn(async move {
            if let Some((old, position)) = self.rebuild_until(next, Until::Head).await {
                tokio::spawn(self.clone().run(self.store.subscribe(position)));
                self.drop_later(old).await;
            }
        });
    }

    /// Shows the rebuild's progress from now on; refuses while another one runs.
    fn begin(&self, next: Generation) -> Result<(), RebuildRefused> {
        let mut progress = self.lock_rebuild();
        if progress.as_ref().is_some_and(|p| !p.finished) {
            return Err(RebuildRefused::Running);
        }
        *progress = Some(RebuildProgress {
            generation: next.0,
            done: 0,
            total: self.store.head(),
            events_per_s: 0.0,
            eta_s: 0.0,
            finished: false,
        });
        Ok(())
    }

    /// Builds `next` until it has taken over, starting again after a failure; answers the generation
    /// it replaced and the position it took over at (nothing when the projections were stopped).
    async fn rebuild_until(&self, next: Generation, until: Until) -> Option<(Generation, u64)> {
        loop {
            if self.stopped.load(Ordering::SeqCst) {
                return None;
            }
            match self.rebuild_into(next, until).await {
                Ok(done) => return Some(done),
                Err(_) if self.stopped.load(Ordering::SeqCst) => return None,
                Err(error) => {
                    let name = self.projector.name();
                    tracing::error!(
                        projector = name,
                        error = format!("{error:#}"),
                        "rebuild failed; starting it again"
                    );
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn rebuild_into(
        &self,
        next: Generation,
        until: Until,
    ) -> anyhow::Result<(Generation, u64)> {
        let projector = self.projector.as_ref();
        drop_generation(&self.db, projector, next).await?;
        db::run(&self.db, next.schema(projector.schema()), Value::Null).await?;
        let started = Instant::now();
        let mut position = 0;
        loop {
            let target = self.target(until);
            if position < target {
                position = self.fill(next, position, target, started).await?;
                continue;
            }
            // Caught up: take over between two of the serving runner's batches.
            let serving = self.serving.lock().await;
            position = self
                .fill(next, position, self.target(until), started)
                .await?;
            let old = self.generation();
            // The checkpoint names the new generation, and the journal says that what clients saw
            // before came from the old one (resumes refetch), in one transaction: until it commits
            // the old generation serves, so a failure here may start the rebuild again safely.
            // Rebuilds finishing together all write the journal's record: their race is retried.
            let switch = format!(
                "BEGIN; {}; {}; COMMIT;",
                checkpoint(projector, position, next),
                journal::rebuilt_at(position)
            );
            db::run_retrying(&self.db, &switch, Value::Null).await?;
            self.saved.store(position, Ordering::SeqCst);
            self.generation.store(next.0, Ordering::SeqCst);
            self.hub.rebuilt(position);
            if let Err(error) = load_memberships(&self.db, &self.hub, projector, next).await {
                // The serving runner's memberships stand: the same log made the same ones.
                let error = format!("{error:#}");
                tracing::warn!(
                    projector = projector.name(),
                    error,
                    "memberships not reloaded"
                );
            }
            self.journal_from.store(position, Ordering::SeqCst);
            if until == Until::Head {
                self.advanced(position, vec![], vec![]);
            }
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
            return Ok((old, position));
        }
    }

    fn target(&self, until: Until) -> u64 {
        match until {
            Until::ServingRunner => *self.position.borrow(),
            Until::Head => self.store.head(),
        }
    }

    /// Drops a replaced generation once the queries that had already chosen it are done.
    async fn drop_later(&self, old: Generation) {
        tokio::time::sleep(DROP_DELAY).await;
        if let Err(error) = drop_generation(&self.db, self.projector.as_ref(), old).await {
            let name = self.projector.name();
            tracing::warn!(projector = name, %error, "the old generation was not dropped");
        }
    }

    /// Applies the events after `from` up to `to` to `generation`'s tables; returns where it got.
    /// A reader on its own thread fetches the next pages while a batch commits (see
    /// [`crate::dedicated`]).
    async fn fill(
        &self,
        generation: Generation,
        mut from: u64,
        to: u64,
        started: Instant,
    ) -> anyhow::Result<u64> {
        if from >= to {
            return Ok(from);
        }
        let (pages, mut next) = tokio::sync::mpsc::channel(READ_AHEAD);
        crate::dedicated::spawn(
            "rebuild-reader",
            read_range(self.store.clone(), from, to, pages),
        )?;
        while let Some(page) = next.recv().await {
            anyhow::ensure!(!self.stopped.load(Ordering::SeqCst), "stopped");
            let events = page?;
            let Some(last) = events.last() else { break };
            let mut out = Output::default();
            self.projector
                .apply(self.scope(generation, false), &events, &mut out)
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

/// Pages ahead of a rebuild: the events after `from` up to `to`, until the rebuild stops listening.
async fn read_range(
    store: Store,
    mut from: u64,
    to: u64,
    pages: tokio::sync::mpsc::Sender<Result<Vec<Envelope>, StoreError>>,
) {
    while from < to {
        let wanted = usize::try_from(to - from)
            .unwrap_or(usize::MAX)
            .min(REBUILD_BATCH);
        let page = store.read_all(from, wanted).await;
        let last = page
            .as_ref()
            .ok()
            .and_then(|p| p.last().map(|e| e.position));
        if pages.send(page).await.is_err() {
            return;
        }
        match last {
            Some(position) => from = position,
            None => return,
        }
    }
}
