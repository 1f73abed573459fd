//! Deciding a command on its stream and appending what it decided: memory, turns and guesses,
//! idempotency by command id, and deciding again when the stream moved.

use super::states::Loaded;
use super::{CommandBus, CommandError, Executed, Origin};
use crate::aggregate::{Aggregate, DomainEvent};
use crate::store::{Append, Appended, ExpectedVersion, NewEvent, StoreError};
use uuid::Uuid;

/// A command decided on a stream that moved meanwhile is decided again, this many times at most.
const MAX_DECISIONS: usize = 20;

impl CommandBus {
    /// Decides `command` on the stream's current state and appends what it decided, once per
    /// command id; decided again when the stream moved meanwhile (unless the client named a version).
    pub async fn execute<A: Aggregate>(
        &self,
        stream: String,
        command: A::Command,
        expected_version: Option<u64>,
        origin: &Origin,
    ) -> Result<Executed, CommandError> {
        let done = |record, duplicate| Ok(Executed { record, duplicate });
        // A command that only ever begins a stream is decided on the empty state without reading:
        // the store's unique indexes refuse it if the stream or the command id exists, and then it
        // takes the careful path below. Optimistic, and it saves two reads on every post.
        let mut assume_new = A::begins_stream(&command) && expected_version.unwrap_or(0) == 0;
        if !assume_new && !origin.fresh_id {
            if let Some(first) = self.store.find_command(origin.command_id).await? {
                return done(first, true);
            }
        }
        let mut attempts = 0;
        // A client's version is checked against the log, never against memory or a guess.
        let mut may_recall = expected_version.is_none();
        let mut may_guess = expected_version.is_none();
        loop {
            attempts += 1;
            // A command that begins a stream reads nothing, so it has nothing to take turns on.
            let mut turn = match assume_new {
                true => None,
                false => Some(self.turns.take(&stream).await),
            };
            let mut guessed = None;
            if let Some(turn) = turn.as_mut() {
                if may_guess {
                    guessed = turn.guessed::<A::State>();
                } else {
                    turn.settle().await;
                }
            }
            let stamp = self.store.memory_stamp();
            let from_guess = guessed.is_some();
            if from_guess {
                self.states.guessed();
            }
            let recalled = match guessed {
                Some(guess) => Some(guess),
                None if may_recall && !assume_new => {
                    self.states.latest::<A::State>(&self.store, &stream)
                }
                None => None,
            };
            let from_memory = recalled.is_some();
            let Loaded {
                state,
                version,
                snapshot_at,
            } = match recalled {
                Some(latest) => latest,
                None if assume_new => Loaded::default(),
                None => self.read::<A>(&stream).await?,
            };
            if let Some(expected) = expected_version.filter(|expected| *expected != version) {
                return Err(CommandError::Conflict {
                    stream,
                    expected,
                    actual: version,
                });
            }
            let decision = A::decide(&state, &command);
            let changes = matches!(&decision, Ok(events) if !events.is_empty());
            // A change decided on memory or a guess is safe: its append names the version, which
            // the store checks. A refusal or a no-op writes nothing that would be checked, so it
            // stands only when decided on what the log says (after the guess is settled).
            if from_memory && !changes {
                may_recall = false;
                may_guess &= !from_guess;
                continue;
            }
            // A refusal or a no-op must not hide a first answer: the lookup was skipped (a
            // fresh id, a command that begins a stream), or the same command id was committed
            // since (a client's retry racing its first try, decided after it on the log).
            if !changes {
                drop(turn);
                if let Some(first) = self.store.find_command(origin.command_id).await? {
                    return done(first, true);
                }
                decision?;
                return done(self.store.record_noop(origin.command_id).await?, false);
            }
            let decided = decision?;
            let append = Append {
                stream: stream.clone(),
                expected: ExpectedVersion::Exact(version),
                events: decided.iter().map(new_event).collect(),
                metadata: origin.metadata(),
                after_queued: from_guess,
            };
            // Refused before it is queued (sealing for someone erased) or by the writer: one answer.
            let queued = self.store.queue(append).await;
            let after = version + decided.len() as u64;
            let left = Loaded {
                state: decided.iter().fold(state, A::evolve),
                version: after,
                // Committed, this append takes the snapshot if one is due: the commands decided
                // on its guess must not each take the same one (they would race for its row).
                snapshot_at: match after >= snapshot_at + A::SNAPSHOT_EVERY {
                    true => after,
                    false => snapshot_at,
                },
            };
            let outcome = match &queued {
                Ok(_) => turn.map(|turn| turn.leave(left.clone())),
                Err(_) => None,
            };
            if let Some(signal) = &origin.queued {
                signal.fire();
            }
            let answer = match queued {
                Ok(queued) => queued.committed().await,
                Err(error) => Err(error),
            };
            // Unless told it was committed below, the guess settles as not committed when
            // `outcome` is dropped (also when this future is): the next command reads the log.
            match answer {
                Ok(Appended::New(record)) => {
                    let version = record.events.last().map_or(version, |e| e.version);
                    let Loaded { state, .. } = left;
                    let snapshot_at =
                        self.snapshot_if_due::<A>(&stream, &state, version, snapshot_at, stamp);
                    let loaded = Loaded {
                        state,
                        version,
                        snapshot_at,
                    };
                    self.states.keep(&self.store, &stream, loaded, stamp);
                    // Memory has the new state before the guess goes: the next command on the
                    // stream decides on one or the other, not on a read.
                    if let Some(outcome) = outcome {
                        outcome.committed();
                    }
                    return done(record, false);
                }
                Ok(Appended::Duplicate(record)) => return done(record, true),
                // Taken, or a stream of someone erased: the careful path says which.
                Err(StoreError::Conflict { .. } | StoreError::Erased(_)) if assume_new => {
                    assume_new = false
                }
                Err(StoreError::Conflict { actual, .. }) => {
                    self.states.forget(&stream);
                    // What is queued behind a refused append was decided on it: wait for it all.
                    may_guess = false;
                    if expected_version.is_some() || attempts >= MAX_DECISIONS {
                        return Err(CommandError::Conflict {
                            stream,
                            expected: version,
                            actual,
                        });
                    }
                    tracing::debug!(%stream, actual, "stream moved while deciding; deciding again");
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
}

fn new_event(event: &impl DomainEvent) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: event.type_name().to_owned(),
        schema: event.schema(),
        data: event.data(),
    }
}
