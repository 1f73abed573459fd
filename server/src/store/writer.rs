//! The node's single writer: group commit of every waiting append into one transaction.
//!
//! Appends queue on a channel. The writer takes all that wait (up to [`MAX_BATCH`]), plans them
//! against the head it knows (positions, stream versions, in-batch conflicts and duplicates) and
//! commits them in one transaction that also checks and raises the head counter. While a commit
//! (and its fsync) runs, new appends queue up and form the next batch: the busier the node, the more
//! commands share one durable commit.
//!
//! When the transaction fails:
//! - a SurrealDB write-write conflict or a head moved by another node: re-plan and retry;
//! - anything else, such as a unique index (a version or a command id taken by another node
//!   meanwhile): commit each append of the batch on its own, so only the one that failed is answered
//!   with its conflict, duplicate or error.

use super::answer::{answer, answer_all, clone_error, CloneResult};
use super::read::{find_command, stored_head};
use super::rows::row;
use super::versions::{KnownVersions, Memory};
use super::{Append, Appended, ExpectedVersion, StoreError};
use crate::db::{self, is_retryable, Db};
use app::wire::AppendedEvent;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, Mutex};
use uuid::Uuid;

pub const MAX_BATCH: usize = 512;
const GATHER_PATIENCE: u32 = 1;
const MAX_ATTEMPTS: u32 = 200;
const HEAD_MOVED: &str = "agora:head-moved";

pub struct Pending {
    pub append: Append,
    pub reply: oneshot::Sender<Result<Appended, StoreError>>,
}

/// Held while a commit runs, so the remote-head poller never reads a head whose fsync is not done.
type CommitLock = Arc<Mutex<()>>;

/// Starts the node's writer on a thread of its own (see [`crate::dedicated`]).
pub fn spawn(
    db: Db,
    head: watch::Sender<u64>,
    memory: Arc<Memory>,
) -> std::io::Result<(mpsc::Sender<Pending>, CommitLock)> {
    let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
    let lock = CommitLock::default();
    let writer = Writer {
        db,
        head,
        lock: lock.clone(),
        memory,
    };
    crate::dedicated::spawn("store-writer", writer.run(receiver))?;
    Ok((sender, lock))
}

/// Raises the durable head when another node appended (`LIVE SELECT` would not resume after a
/// disconnect, so a bounded poll is the wake-up; readers always catch up from their position).
pub async fn watch_remote_head(
    db: Db,
    head: watch::Sender<u64>,
    lock: CommitLock,
    memory: Arc<Memory>,
    every: Duration,
) {
    loop {
        tokio::time::sleep(every).await;
        if head.is_closed() {
            return;
        }
        let _no_commit_in_flight = lock.lock().await;
        if let Ok(stored) = stored_head(&db).await {
            if head.send_if_modified(|known| raise(known, stored)) {
                memory.appended_elsewhere();
            }
        }
    }
}

fn raise(known: &mut u64, to: u64) -> bool {
    let raised = to > *known;
    if raised {
        *known = to;
    }
    raised
}

struct Writer {
    db: Db,
    head: watch::Sender<u64>,
    lock: CommitLock,
    /// Stream versions this writer committed (see `versions.rs`).
    memory: Arc<Memory>,
}

/// What the plan decided for one append of the batch.
pub(super) enum Outcome {
    Write(Vec<AppendedEvent>),
    Answer(Result<Appended, StoreError>),
    /// The same command id as an earlier append of this batch: answered as its duplicate.
    SameAs(usize),
}

struct Plan {
    outcomes: Vec<Outcome>,
    rows: Vec<Value>,
    new_head: u64,
}

impl Writer {
    async fn run(self, mut receiver: mpsc::Receiver<Pending>) {
        while let Some(first) = receiver.recv().await {
            let mut batch = vec![first];
            // Gather: the commands whose answers the last commit just sent are being decided again
            // on other tasks; yielding lets them join this batch instead of waiting for the next.
            let mut idle = 0;
            loop {
                let before = batch.len();
                while batch.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                idle = if batch.len() == before { idle + 1 } else { 0 };
                if idle >= GATHER_PATIENCE || batch.len() >= MAX_BATCH {
                    break;
                }
                tokio::task::yield_now().await;
            }
            if let Some(batch) = self.commit(batch, true).await {
                for pending in batch {
                    self.commit(vec![pending], false).await;
                }
            }
        }
    }

    /// Commits the batch and answers each append; hands the batch back when it must be split.
    async fn commit(&self, batch: Vec<Pending>, may_split: bool) -> Option<Vec<Pending>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let head = *self.head.borrow();
            let plan = match self.plan(&batch, head).await {
                Ok(plan) => plan,
                Err(error) => {
                    answer_all(batch, || Err(clone_error(&error)));
                    return None;
                }
            };
            let result = if plan.rows.is_empty() {
                Ok(None)
            } else {
                self.execute(&plan, head).await.map(Some)
            };
            match result {
                // The commit lock is held until the head is raised: the remote-head poller must
                // not take this node's own commit for another node's.
                Ok(_commit) => {
                    // Remembered before anyone can read the events: whoever follows the head and
                    // asks the command bus for a stream's state must not get the one before them.
                    self.remember(&plan.outcomes);
                    self.head
                        .send_if_modified(|known| raise(known, plan.new_head));
                    answer(batch, plan.outcomes);
                    return None;
                }
                Err(error)
                    if attempt < MAX_ATTEMPTS && (is_retryable(&error) || head_moved(&error)) =>
                {
                    if let Ok(stored) = stored_head(&self.db).await {
                        if self.head.send_if_modified(|known| raise(known, stored)) {
                            self.memory.appended_elsewhere();
                        }
                    }
                    tokio::time::sleep(Duration::from_micros(200 * u64::from(attempt.min(20))))
                        .await;
                }
                // One append's failure (a unique index, a rule of the schema) must not fail the
                // others that shared its transaction: each is committed on its own.
                Err(_) if may_split && batch.len() > 1 => return Some(batch),
                Err(error) if unique_violation(&error) && batch.len() == 1 => {
                    let outcome = self.explain_collision(&batch[0].append).await;
                    answer_all(batch, || outcome.clone_result());
                    return None;
                }
                Err(error) => {
                    tracing::error!(%error, "append failed");
                    answer_all(batch, || Err(StoreError::Database(error.clone())));
                    return None;
                }
            }
        }
    }

    /// Assigns positions and versions, answering at once what needs no write.
    async fn plan(&self, batch: &[Pending], head: u64) -> Result<Plan, StoreError> {
        let current = self.current_versions(batch).await?;
        let mut versions: HashMap<&str, u64> = HashMap::new();
        let mut first_of_command: HashMap<Uuid, usize> = HashMap::new();
        let mut plan = Plan {
            outcomes: Vec::with_capacity(batch.len()),
            rows: vec![],
            new_head: head,
        };
        let at = chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string();
        for (index, Pending { append, .. }) in batch.iter().enumerate() {
            if let Some(&first) = first_of_command.get(&append.metadata.command_id) {
                plan.outcomes.push(Outcome::SameAs(first));
                continue;
            }
            first_of_command.insert(append.metadata.command_id, index);
            let stream = append.stream.as_str();
            let in_batch = versions.get(stream).copied();
            let known = if append.after_queued {
                // Only this writer's own commit of the version counts (in this batch or
                // remembered): the append it was decided behind may have failed while another
                // node wrote that version. Nothing remembered (memory was full): refused, and
                // the bus decides again on a read.
                in_batch.or_else(|| self.known().last(stream)).or(Some(0))
            } else {
                in_batch
                    .or_else(|| current.get(stream).copied())
                    .or_else(|| self.known().settles(stream, append.expected))
            };
            let base = match (append.expected, known) {
                (ExpectedVersion::Any, Some(actual)) => actual,
                (ExpectedVersion::Any | ExpectedVersion::NoStream, None) => 0,
                (ExpectedVersion::NoStream, Some(actual)) if actual > 0 => {
                    plan.outcomes.push(conflict(append, actual));
                    continue;
                }
                (ExpectedVersion::NoStream, Some(_)) => 0,
                (ExpectedVersion::Exact(expected), Some(actual)) if expected != actual => {
                    plan.outcomes.push(conflict(append, actual));
                    continue;
                }
                // Exact(0) of a stream not read: the unique index refuses it if the stream exists.
                (ExpectedVersion::Exact(expected), _) => expected,
            };
            let mut appended = Vec::with_capacity(append.events.len());
            for (seq, event) in append.events.iter().enumerate() {
                plan.new_head += 1;
                let version = base + seq as u64 + 1;
                plan.rows
                    .push(row(append, seq, plan.new_head, version, &at));
                appended.push(AppendedEvent {
                    position: plan.new_head,
                    stream: append.stream.clone(),
                    version,
                    event_type: event.event_type.clone(),
                });
            }
            versions.insert(stream, base + append.events.len() as u64);
            plan.outcomes.push(Outcome::Write(appended));
        }
        Ok(plan)
    }

    /// The last version of each stream whose append needs it known: `Any`, and `Exact(n > 0)` (a
    /// version ahead of the stream must be refused, which the unique index alone would not do).
    /// Events never change, so what this reads stays true; newer appends are caught by the index.
    async fn current_versions(
        &self,
        batch: &[Pending],
    ) -> Result<HashMap<String, u64>, StoreError> {
        let mut streams: Vec<&str> = {
            let known = self.known();
            batch
                .iter()
                .filter(|p| {
                    let append = &p.append;
                    matches!(
                        append.expected,
                        ExpectedVersion::Any | ExpectedVersion::Exact(1..)
                    ) && !append.after_queued
                        && known.settles(&append.stream, append.expected).is_none()
                })
                .map(|p| p.append.stream.as_str())
                .collect()
        };
        streams.sort_unstable();
        streams.dedup();
        if streams.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = (0..streams.len())
            .map(|i| last_version(&format!("s{i}")))
            .collect::<String>();
        let vars: Map<String, Value> = streams
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("s{i}"), json!(s)))
            .collect();
        let mut results = db::run(&self.db, sql, Value::Object(vars)).await?;
        let mut current = HashMap::new();
        for (i, stream) in streams.iter().enumerate() {
            let last: Vec<Value> = results.take(i)?;
            current.insert(
                stream.to_string(),
                last.first().and_then(Value::as_u64).unwrap_or(0),
            );
        }
        Ok(current)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, KnownVersions> {
        self.memory.known()
    }

    /// Remembers the versions a commit wrote.
    fn remember(&self, outcomes: &[Outcome]) {
        let mut known = self.known();
        for outcome in outcomes {
            if let Outcome::Write(appended) = outcome {
                for event in appended {
                    known.committed(&event.stream, event.version);
                }
            }
        }
    }

    /// Commits the plan; answers the commit lock, still held.
    async fn execute(
        &self,
        plan: &Plan,
        head: u64,
    ) -> Result<tokio::sync::MutexGuard<'_, ()>, surrealdb::Error> {
        let sql = format!(
            "BEGIN;
             IF ((SELECT VALUE position FROM meta:head)[0] ?? 0) != $head {{ THROW '{HEAD_MOVED}' }};
             INSERT INTO event $rows RETURN NONE;
             UPSERT meta:head SET position = $new_head;
             COMMIT;"
        );
        let vars = json!({ "head": head, "new_head": plan.new_head, "rows": plan.rows });
        let commit = self.lock.lock().await;
        db::run(&self.db, sql, vars).await.map(|_| commit)
    }

    /// A lone append hit a unique index: its command ran before, or its stream moved on.
    async fn explain_collision(&self, append: &Append) -> Result<Appended, StoreError> {
        if let Some(first) = find_command(&self.db, append.metadata.command_id).await? {
            return Ok(Appended::Duplicate(first));
        }
        let sql = last_version("s");
        let last = db::rows(&self.db, sql, json!({ "s": append.stream })).await?;
        let actual = last.first().and_then(Value::as_u64).unwrap_or(0);
        Err(StoreError::Conflict {
            stream: append.stream.clone(),
            expected: append.expected,
            actual,
        })
    }
}

fn conflict(append: &Append, actual: u64) -> Outcome {
    Outcome::Answer(Err(StoreError::Conflict {
        stream: append.stream.clone(),
        expected: append.expected,
        actual,
    }))
}

fn head_moved(error: &surrealdb::Error) -> bool {
    error.to_string().contains(HEAD_MOVED)
}

pub(super) fn unique_violation(error: &surrealdb::Error) -> bool {
    let text = error.to_string();
    text.contains("already contains") || text.contains("already exists")
}

/// The statement reading a stream's last version, the stream bound as `$<param>`.
fn last_version(param: &str) -> String {
    format!(
        "SELECT VALUE version FROM event WHERE stream = ${param} ORDER BY version DESC LIMIT 1;"
    )
}
