//! One task per projector: read a batch, apply it with its checkpoint in one transaction, retry with
//! backoff, park what keeps failing, and wake whoever waits for a position.

use super::batches::{next_batch, read_ahead, READ_AHEAD};
use super::checkpoint::{define_runtime_tables, prepare, Start};
use super::parked::count_parked;
use super::rebuild::RebuildRefused;
use super::stats::{self, Stats};
use super::{Generation, Output, Projector, Scope};
use crate::db::{self, Db};
use crate::live::Hub;
use crate::store::Store;
use app::wire::{Envelope, ProjectionRow, RebuildProgress};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// A batch that changes nothing in a read model (another context's events, say) commits nothing:
/// its position is kept in memory, and saved with the next batch that writes, or alone once it is
/// this far ahead of the saved one. A restart redelivers at most this many events the projector
/// ignored, which it ignores again (its tables are as they were when it first saw them).
pub(super) const UNSAVED_LAG: u64 = 5_000;
/// Tries of a batch (and then of a lone event) before it is split (or parked).
pub const MAX_TRIES: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(2);

pub(super) struct Runner {
    pub(super) projector: Arc<dyn Projector>,
    pub(super) db: Db,
    pub(super) store: Store,
    pub(super) hub: Hub,
    pub(super) position: watch::Sender<u64>,
    pub(super) stats: Mutex<Stats>,
    /// The generation of tables being served (and written by this runner).
    pub(super) generation: AtomicU32,
    /// Held while a batch commits, so a rebuild can take over between two batches.
    pub(super) serving: tokio::sync::Mutex<()>,
    /// Set by [`Projections::stop`]: the runner applies no further batch.
    pub(super) stopped: AtomicBool,
    pub(super) rebuild: Mutex<Option<RebuildProgress>>,
    /// The journal of live changes holds this runner's changes above this position.
    pub(super) journal_from: AtomicU64,
    /// The position its stored checkpoint holds; `position` may be ahead (see [`UNSAVED_LAG`]).
    pub(super) saved: AtomicU64,
}

/// The running projectors, by name.
#[derive(Clone)]
pub struct Projections {
    runners: Arc<HashMap<&'static str, Arc<Runner>>>,
}

impl Projections {
    /// Defines each projector's tables, reads its checkpoint and starts it.
    pub async fn start(
        store: &Store,
        hub: Hub,
        projectors: Vec<Arc<dyn Projector>>,
    ) -> anyhow::Result<Projections> {
        let db = store.db().clone();
        define_runtime_tables(&db).await?;
        let mut runners = HashMap::new();
        for projector in projectors {
            let start = prepare(&db, projector.as_ref()).await?;
            let (position, generation) = start.serving();
            let parked = count_parked(&db, projector.name()).await?;
            let journal_from = match start {
                // Going on from its checkpoint: its changes were journaled up to it, and the
                // catch-up journals the rest, so resumes across the restart miss nothing.
                Start::From(position, _) if position > 0 => position,
                Start::From(..) if store.head() == 0 => 0,
                // A new generation, built from the first event: what clients saw came from the
                // old one, so resumes from before now refetch.
                _ => {
                    crate::live::journal::record_rebuild(&db, store.head()).await?;
                    hub.rebuilt(store.head());
                    store.head()
                }
            };
            load_memberships(&db, &hub, projector.as_ref(), generation).await?;
            let runner = Arc::new(Runner {
                db: db.clone(),
                store: store.clone(),
                hub: hub.clone(),
                position: watch::channel(position).0,
                stats: Stats::with_parked(parked),
                projector: projector.clone(),
                generation: AtomicU32::new(generation.0),
                serving: tokio::sync::Mutex::new(()),
                stopped: AtomicBool::new(false),
                rebuild: Mutex::new(None),
                journal_from: AtomicU64::new(journal_from),
                saved: AtomicU64::new(position),
            });
            match start {
                Start::From(..) => {
                    tokio::spawn(runner.clone().run(store.subscribe(position)));
                }
                Start::Upgrade { next, .. } => runner.clone().upgrade(next),
            }
            runners.insert(projector.name(), runner);
        }
        Ok(Projections {
            runners: Arc::new(runners),
        })
    }

    /// Stops every projector between two batches: when this returns, none is committing and none
    /// will again (a rebuild in progress stops before its next batch; the next one starts it over).
    /// Positions kept in memory are saved first, so a restart redelivers nothing.
    pub async fn stop(&self) {
        for runner in self.runners.values() {
            runner.stopped.store(true, Ordering::SeqCst);
            let _serving = runner.serving.lock().await;
            if let Err(error) = runner.save_position().await {
                let name = runner.projector.name();
                tracing::warn!(
                    projector = name,
                    error = format!("{error:#}"),
                    "checkpoint not saved"
                );
            }
        }
    }

    /// The position a projector has reached (0 for an unknown one).
    pub fn position(&self, name: &str) -> u64 {
        self.runners
            .get(name)
            .map_or(0, |runner| *runner.position.borrow())
    }

    /// The lowest position of all projectors: every read model has reached it.
    pub fn min_position(&self) -> u64 {
        self.runners
            .values()
            .map(|runner| *runner.position.borrow())
            .min()
            .unwrap_or(0)
    }

    /// Waits until the projector reaches `position` or `timeout` passes; answers whether it did and
    /// where it is. Woken by the projector's own commits, no polling.
    pub async fn wait_for(&self, name: &str, position: u64, timeout: Duration) -> (bool, u64) {
        let Some(runner) = self.runners.get(name) else {
            return (false, 0);
        };
        let mut receiver = runner.position.subscribe();
        let reached = matches!(
            tokio::time::timeout(timeout, receiver.wait_for(|at| *at >= position)).await,
            Ok(Ok(_))
        );
        let now = *runner.position.borrow();
        (reached, now)
    }

    /// Waits until every projector reaches `position` (or `timeout` passes); answers whether they did.
    pub async fn wait_for_all(&self, position: u64, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        for runner in self.runners.values() {
            let mut receiver = runner.position.subscribe();
            let reached = receiver.wait_for(|at| *at >= position);
            if !matches!(tokio::time::timeout_at(deadline, reached).await, Ok(Ok(_))) {
                return false;
            }
        }
        true
    }

    /// The generation of a projector's tables that queries should read.
    pub fn generation(&self, name: &str) -> Generation {
        self.runners
            .get(name)
            .map_or(Generation(1), |runner| runner.generation())
    }

    /// Starts rebuilding a projector into a new generation beside the serving one.
    pub fn rebuild(&self, name: &str) -> Result<(), RebuildRefused> {
        let runner = self
            .runners
            .get(name)
            .cloned()
            .ok_or(RebuildRefused::Unknown)?;
        runner.start_rebuild()
    }

    /// Applies a projector's parked events again (after a fix), in the background.
    pub fn retry_parked(&self, name: &str) -> bool {
        let Some(runner) = self.runners.get(name).cloned() else {
            return false;
        };
        tokio::spawn(async move { runner.retry_parked().await });
        true
    }

    /// What the admin sees of each projector, measured against the store's `head`.
    pub fn statuses(&self, head: u64) -> Vec<ProjectionRow> {
        let mut statuses: Vec<ProjectionRow> = self
            .runners
            .values()
            .map(|runner| runner.status(head))
            .collect();
        statuses.sort_by(|a, b| a.name.cmp(&b.name));
        statuses
    }
}

/// Gives the hub the memberships a generation's tables hold (see [`super::Sources`]).
pub(super) async fn load_memberships(
    db: &Db,
    hub: &Hub,
    projector: &dyn Projector,
    generation: Generation,
) -> anyhow::Result<()> {
    if let Some(sources) = projector.sources() {
        let pairs = (sources.load)(db, generation).await?;
        hub.replace_memberships(sources.family, pairs);
    }
    Ok(())
}

impl Runner {
    /// Reads ahead while it writes: the next pages are fetched while this batch commits, by a reader
    /// on a thread of its own (see [`crate::dedicated`]), so a catch-up uses both cores.
    pub(super) async fn run(self: Arc<Self>, subscription: crate::store::Subscription) {
        let (batches, mut next) = tokio::sync::mpsc::channel::<Vec<Envelope>>(READ_AHEAD);
        let name = self.projector.name();
        let reader = read_ahead(name, subscription, batches);
        if let Err(error) = crate::dedicated::spawn(&format!("{name}-reader"), reader) {
            return tracing::error!(projector = name, %error, "the reader did not start");
        }
        while let Some(batch) = next_batch(&mut next).await {
            if self.stopped.load(Ordering::SeqCst) {
                return;
            }
            self.apply(&batch).await;
        }
    }

    /// Applies a batch; if it keeps failing, its events one by one; parks a lone event that keeps failing.
    async fn apply(&self, batch: &[Envelope]) {
        if self.try_commit(batch).await {
            return;
        }
        if self.projector.in_order() {
            // Nothing may be skipped: try the batch again until it goes (or the runner stops);
            // each try backs off inside `try_commit`.
            while !self.stopped.load(Ordering::SeqCst) {
                if self.try_commit(batch).await {
                    return;
                }
            }
            return;
        }
        for event in batch {
            let alone = std::slice::from_ref(event);
            if batch.len() == 1 || !self.try_commit(alone).await {
                self.park(event).await;
            }
        }
    }

    async fn try_commit(&self, events: &[Envelope]) -> bool {
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=MAX_TRIES {
            match self.commit(events).await {
                Ok(()) => return true,
                Err(error) => {
                    let name = self.projector.name();
                    tracing::warn!(
                        projector = name,
                        attempt,
                        error = format!("{error:#}"),
                        "projection failed"
                    );
                    self.lock_stats().failed(format!("{error:#}"));
                }
            }
            if attempt < MAX_TRIES {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        false
    }

    async fn commit(&self, events: &[Envelope]) -> anyhow::Result<()> {
        let Some(last) = events.last().map(|e| e.position) else {
            return Ok(());
        };
        let _serving = self.serving.lock().await;
        if self.stopped.load(Ordering::SeqCst) {
            // Stopped while this batch waited for the lock: `stop` promises no commit after it.
            return Ok(());
        }
        let generation = self.generation();
        let mut out = Output::default();
        let started = std::time::Instant::now();
        self.projector
            .apply(self.scope(generation, self.live_at(last)), events, &mut out)
            .await?;
        let unchanged =
            out.writes.is_empty() && out.changes.is_empty() && out.memberships.is_empty();
        if unchanged && last < self.saved.load(Ordering::SeqCst) + UNSAVED_LAG {
            self.advanced(last, vec![], vec![]);
            return Ok(());
        }
        crate::live::journal::write(&mut out.writes, &out.changes);
        if self.live_at(last) {
            crate::live::journal::write_refetches(&mut out.writes, &out.memberships);
        }
        let (sql, vars) = out
            .writes
            .into_transaction(&self.checkpoint_statement(last));
        let applied = started.elapsed();
        db::run(&self.db, sql, vars).await?;
        // `RUST_LOG=agora::projections=debug`: where a change's way to the sockets goes.
        tracing::debug!(
            projector = self.projector.name(),
            events = events.len(),
            changes = out.changes.len(),
            apply_micros = applied.as_micros() as u64,
            commit_micros = (started.elapsed() - applied).as_micros() as u64,
            "batch"
        );
        self.saved_at(last);
        self.advanced(last, out.changes, out.memberships);
        Ok(())
    }

    /// What the projector applies a batch with: this runner's database and log, `generation`, and
    /// whether its changes are wanted.
    pub(super) fn scope(&self, generation: Generation, live: bool) -> Scope<'_> {
        Scope {
            db: &self.db,
            store: &self.store,
            generation,
            live,
        }
    }

    /// Whether the changes of a batch up to `position` are wanted (see [`Scope::live`]): for the
    /// journal, from where it is whole, and so for the hub too.
    pub(super) fn live_at(&self, position: u64) -> bool {
        position > self.journal_from.load(Ordering::SeqCst)
    }

    pub(super) fn generation(&self) -> Generation {
        Generation(self.generation.load(Ordering::SeqCst))
    }

    /// The batch up to `position` committed: its changes and memberships go to the hub, and who
    /// waits for the position is woken.
    pub(super) fn advanced(
        &self,
        position: u64,
        changes: Vec<crate::live::Change>,
        memberships: Vec<crate::live::Membership>,
    ) {
        self.hub.publish_with(position, changes, memberships);
        self.position.send_replace(position);
        self.lock_stats().advanced(position);
    }

    pub(super) fn lock_rebuild(&self) -> std::sync::MutexGuard<'_, Option<RebuildProgress>> {
        self.rebuild
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn lock_stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        stats::lock(&self.stats)
    }

    fn status(&self, head: u64) -> ProjectionRow {
        // One lock at a time: a guard held in a struct literal lives until the literal ends.
        let rebuild = self.lock_rebuild().clone();
        let position = *self.position.borrow();
        self.lock_stats()
            .row(self.projector.name(), position, head, rebuild)
    }
}
