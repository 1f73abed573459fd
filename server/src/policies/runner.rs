//! One task per policy: follow the log from the policy's checkpoint, react to each event, retry a
//! failing reaction with backoff and, after [`MAX_TRIES`], park the event (kept with its error, shown
//! to the admin, retried on request) so one bad event never stops the policy.
//!
//! Events are handed to the policy's lanes ([`Policy::lane`], see `lanes.rs`): lanes run
//! concurrently, each in log order, and the checkpoint follows the position below which every lane
//! is done. A crash redelivers what came after the saved checkpoint, which the derived command ids
//! absorb.

use super::lanes::{Lane, Lanes};
use super::{handle, Policy};
use crate::commands::{CommandBus, QueuedSignal};
use crate::db::{self, Db};
use crate::projections::define_runtime_tables;
use crate::projections::parked::{count_parked, parked_events, parked_row};
use crate::projections::stats::{self, Stats};
use app::wire::{Envelope, ProjectionRow};
use futures::FutureExt;
use serde_json::json;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// Tries of one event's reaction before it is parked.
pub const MAX_TRIES: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// Events read per step while catching up.
const BATCH: usize = 100;
/// The checkpoint is saved at most this often.
const SAVE_EVERY: Duration = Duration::from_millis(100);

struct Runner {
    policy: Arc<dyn Policy>,
    bus: CommandBus,
    db: Db,
    /// `policy:<name>`: its checkpoint's id in the `projection` table, and its name on parked rows.
    id: String,
    position: AtomicU64,
    /// The head when this node started the policy: an event after it was never reacted to before.
    started_at: u64,
    stats: Mutex<Stats>,
    lanes: Arc<Lanes>,
}

/// The running policies.
#[derive(Clone)]
pub struct Policies {
    runners: Arc<Vec<Arc<Runner>>>,
}

impl Policies {
    /// Starts each policy from its checkpoint (kept in the `projection` table beside the projectors').
    pub async fn start(
        bus: CommandBus,
        policies: Vec<Arc<dyn Policy>>,
    ) -> anyhow::Result<Policies> {
        let db = bus.store().db().clone();
        define_runtime_tables(&db).await?;
        let mut runners = vec![];
        for policy in policies {
            let id = format!("policy:{}", policy.name());
            let sql = "SELECT VALUE position FROM type::record('projection', $id)";
            let rows = db::rows(&db, sql, json!({ "id": id })).await?;
            let from = rows.first().and_then(|p| p.as_u64()).unwrap_or(0);
            let runner = Arc::new(Runner {
                stats: Stats::with_parked(count_parked(&db, &id).await?),
                policy,
                bus: bus.clone(),
                db: db.clone(),
                id,
                position: AtomicU64::new(from),
                started_at: bus.store().head(),
                lanes: Lanes::new(from),
            });
            tokio::spawn(runner.clone().run(from));
            runners.push(runner);
        }
        Ok(Policies {
            runners: Arc::new(runners),
        })
    }

    /// What the admin sees of each policy, measured against the store's `head`.
    pub fn statuses(&self, head: u64) -> Vec<ProjectionRow> {
        self.runners
            .iter()
            .map(|runner| {
                let position = runner.position.load(Ordering::SeqCst);
                stats::lock(&runner.stats).row(runner.policy.name(), position, head, None)
            })
            .collect()
    }

    /// Saves where each policy got, for a clean shutdown: a start then redelivers nothing that
    /// was done (not needed for correctness, the derived command ids absorb a redelivery).
    pub async fn save_positions(&self) {
        for runner in self.runners.iter() {
            let position = *runner.lanes.watermark().borrow();
            runner.checkpoint(position).await;
        }
    }

    /// Reacts again to a policy's parked events (after a fix), in the background.
    pub fn retry_parked(&self, name: &str) -> bool {
        let Some(runner) = self.runners.iter().find(|r| r.policy.name() == name) else {
            return false;
        };
        tokio::spawn(runner.clone().retry_parked());
        true
    }
}

impl Runner {
    /// Reads the log and hands each event to its lane; the checkpoint follows the lanes' watermark.
    async fn run(self: Arc<Self>, from: u64) {
        let lanes = self.lanes.clone();
        tokio::spawn(self.clone().save_checkpoints(lanes.watermark()));
        let mut subscription = self.bus.store().subscribe(from);
        loop {
            let batch = match subscription.next_batch(BATCH).await {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::error!(policy = self.id, %error, "reading the log failed");
                    tokio::time::sleep(MAX_BACKOFF).await;
                    continue;
                }
            };
            let Some(last) = batch.last().map(|event| event.position) else {
                continue;
            };
            for event in batch {
                let lane = self.policy.lane(&event);
                if let Some(first) = lanes.push(lane.clone(), event).await {
                    tokio::spawn(self.clone().work(lanes.clone(), lane, first));
                }
            }
            lanes.read_to(last);
        }
    }

    /// A lane's worker: reacts to its events in order until the lane is empty. A pipelined
    /// policy's next reaction starts once this one's commands are queued ([`Policy::pipelines`]).
    async fn work(self: Arc<Self>, lanes: Arc<Lanes>, lane: Lane, mut event: Envelope) {
        loop {
            let next = if self.policy.pipelines() {
                let (signal, queued) = QueuedSignal::new();
                let (runner, all, position) = (self.clone(), lanes.clone(), event.position);
                tokio::spawn(async move {
                    runner.react_or_park(&event, Some(&signal)).await;
                    all.done(position);
                });
                // Queued, or the reaction ended (every copy of the signal dropped).
                let _ = queued.await;
                lanes.advance(&lane)
            } else {
                self.react_or_park(&event, None).await;
                lanes.finish(&lane)
            };
            match next {
                Some(next) => event = next,
                None => return,
            }
        }
    }

    async fn react_or_park(&self, event: &Envelope, queued: Option<&QueuedSignal>) {
        if let Err(error) = self.react(event, queued).await {
            self.park(event, &error).await;
        }
    }

    /// Saves the watermark as the checkpoint, at most every [`SAVE_EVERY`]: a crash redelivers
    /// what came after the saved one, which the derived command ids absorb.
    async fn save_checkpoints(self: Arc<Self>, mut watermark: watch::Receiver<u64>) {
        while watermark.changed().await.is_ok() {
            let position = *watermark.borrow_and_update();
            self.checkpoint(position).await;
            tokio::time::sleep(SAVE_EVERY).await;
        }
    }

    /// Reacts to one event, with retries; answers the last error when every try failed.
    async fn react(&self, event: &Envelope, queued: Option<&QueuedSignal>) -> Result<(), String> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            // A panic is a failure like any other: it must not end the lane's worker, whose
            // events (and the watermark behind them) would then wait for ever.
            let first_sight = attempt == 1 && event.position > self.started_at;
            let reaction = handle(self.policy.as_ref(), &self.bus, event, first_sight, queued);
            let reaction = AssertUnwindSafe(reaction);
            let outcome = match reaction.catch_unwind().await {
                Ok(outcome) => outcome.map_err(|error| error.to_string()),
                Err(_) => Err("the reaction panicked".to_owned()),
            };
            match outcome {
                Ok(()) => return Ok(()),
                Err(error) => {
                    tracing::warn!(policy = self.id, position = event.position, attempt, %error, "policy failed");
                    stats::lock(&self.stats).failed(error.clone());
                    if attempt >= MAX_TRIES && !self.policy.never_skips() {
                        return Err(error);
                    }
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            attempt += 1;
        }
    }

    /// Keeps the event with its error, under a key of its own: a batch redelivered after a crash
    /// parks it again in the same row. The batch's checkpoint then moves past it.
    async fn park(&self, event: &Envelope, error: &str) {
        tracing::error!(policy = self.id, position = event.position, %error, "event parked");
        let sql = "UPSERT type::record('parked', [$id, $position]) CONTENT $parked RETURN NONE";
        let vars = json!({
            "parked": parked_row(&self.id, event, error),
            "id": self.id,
            "position": event.position,
        });
        while let Err(error) = db::run(&self.db, sql, vars.clone()).await {
            tracing::error!(policy = self.id, %error, "parking failed; trying again");
            tokio::time::sleep(MAX_BACKOFF).await;
        }
        stats::lock(&self.stats).parked += 1;
    }

    /// Saves the checkpoint. A failure costs only redelivery, which the derived command ids absorb.
    async fn checkpoint(&self, position: u64) {
        let sql = "UPSERT type::record('projection', $id) SET position = $position";
        let vars = json!({ "id": self.id, "position": position });
        if let Err(error) = db::run(&self.db, sql, vars).await {
            tracing::warn!(policy = self.id, %error, "checkpoint not saved; events will be redelivered");
        }
        self.position.store(position, Ordering::SeqCst);
        stats::lock(&self.stats).advanced(position);
    }

    /// Reacts once more to each parked event, oldest first; one that succeeds leaves the parked table.
    async fn retry_parked(self: Arc<Self>) {
        let events = match parked_events(&self.db, self.bus.store(), &self.id).await {
            Ok(events) => events,
            Err(error) => {
                let error = format!("{error:#}");
                return tracing::error!(policy = self.id, %error, "reading parked events failed");
            }
        };
        for event in events {
            let position = event.position;
            if let Err(error) = handle(self.policy.as_ref(), &self.bus, &event, false, None).await {
                tracing::warn!(policy = self.id, position, %error, "still failing");
                stats::lock(&self.stats).failed(error.to_string());
                continue;
            }
            let sql = "DELETE parked WHERE projector = $id AND position = $position";
            let vars = json!({ "id": self.id, "position": position });
            match db::run(&self.db, sql, vars).await {
                Ok(_) => stats::lock(&self.stats).parked -= 1,
                Err(error) => tracing::error!(policy = self.id, %error, "unparking failed"),
            }
        }
    }
}
