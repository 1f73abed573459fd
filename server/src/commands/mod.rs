//! The write side's entry: a command → its stream loaded and folded → `decide` → append.
//!
//! The bus knows no context: each registers a [`CommandHandler`] for its command types, which parses
//! the payload and runs it on one of its aggregates through [`CommandBus::execute`].
//!
//! Every command is idempotent by its `command_id`: a command id seen before answers its first
//! answer, marked `duplicate`, and appends nothing. Without an `expected_version` from the client, a
//! concurrent change to the same stream is not the client's problem: the command is decided again
//! on the new state. With one, a mismatch is the client's conflict (409).
//!
//! The bus keeps the state it last decided on for each stream (`states.rs`), so a command on a
//! stream this node has just written is decided without reading it. Commands on one stream take
//! turns (`turns.rs`): each is decided on what the one before it leaves as soon as that one is
//! queued for the writer, so a hot stream's commands share commits instead of refusing each other.

mod load;
mod states;
mod turns;

pub use states::StateLoads;
pub use turns::QueuedSignal;

use crate::aggregate::{Actor, Aggregate, DomainEvent, Rule};
use crate::people::{People, Person};
use crate::store::{
    Append, Appended, CommandRecord, ExpectedVersion, Metadata, NewEvent, Store, StoreError,
};
use app::wire::CommandAnswer;
use futures::future::BoxFuture;
use serde_json::Value;
use states::{Loaded, States};
use std::sync::Arc;
use uuid::Uuid;

/// A command decided on a stream that moved meanwhile is decided again, this many times at most.
const MAX_DECISIONS: usize = 20;

/// Who sent a command and what caused it.
#[derive(Debug, Clone)]
pub struct Origin {
    pub command_id: Uuid,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub actor: Actor,
    /// The sender knows this command id was never sent before (a policy's first reaction to an
    /// event appended after it started): the bus skips looking up a first answer. A rerun would
    /// still be refused by the store's unique index on command ids.
    pub fresh_id: bool,
    /// Told once the command's append is queued for the writer (a pipelined policy's lane).
    pub queued: Option<QueuedSignal>,
}

impl Origin {
    /// A command that starts a new chain (sent by a person): it is its own correlation.
    pub fn new(command_id: Uuid, actor: Actor) -> Self {
        Origin {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor,
            fresh_id: false,
            queued: None,
        }
    }

    fn metadata(&self) -> Metadata {
        Metadata {
            command_id: self.command_id,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            actor: Some(self.actor.handle.clone()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Rule(#[from] Rule),
    #[error("{stream} is at version {actual}, not {expected}")]
    Conflict {
        stream: String,
        expected: u64,
        actual: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What running a command did: its record, and whether the command id had run before.
#[derive(Debug, Clone)]
pub struct Executed {
    pub record: CommandRecord,
    pub duplicate: bool,
}

/// A context's commands of the contract (`POST /api/commands` and the policies' commands).
pub trait CommandHandler: Send + Sync + 'static {
    /// The `type`s of the contract this handler takes.
    fn types(&self) -> &'static [&'static str];

    /// The JSON schema of the commands it takes, for the OpenAPI description of
    /// `POST /api/commands`: a `oneOf` of `{type, payload}` objects (see [`tagged_schema`]).
    fn schema(&self) -> Value;

    /// Parses `payload` (a malformed one is [`Rule::Invalid`]) and runs the command on its aggregate.
    fn run<'a>(
        &'a self,
        bus: &'a CommandBus,
        origin: &'a Origin,
        command_type: &'a str,
        payload: &'a Value,
        expected_version: Option<u64>,
    ) -> BoxFuture<'a, Result<Executed, CommandError>>;
}

#[derive(Clone)]
pub struct CommandBus {
    store: Store,
    handlers: Arc<Vec<Arc<dyn CommandHandler>>>,
    people: Option<Arc<dyn People>>,
    states: Arc<States>,
    turns: Arc<turns::Turns>,
}

impl CommandBus {
    pub fn new(store: Store, handlers: Vec<Arc<dyn CommandHandler>>) -> Self {
        CommandBus {
            store,
            handlers: Arc::new(handlers),
            people: None,
            states: Arc::default(),
            turns: Arc::default(),
        }
    }

    /// The bus with the context that knows who people are, for handlers of other contexts that
    /// must know whether someone exists (a transfer's recipient).
    pub fn with_people(mut self, people: Option<Arc<dyn People>>) -> Self {
        self.people = people;
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The registered person with this handle, as the write model knows them now.
    pub async fn person(&self, handle: &str) -> Result<Option<Person>, CommandError> {
        match &self.people {
            Some(people) => people.find(self, handle).await,
            None => Ok(None),
        }
    }

    /// Runs a command of the contract, by its `type`, once per command id.
    pub async fn submit(
        &self,
        origin: Origin,
        command_type: &str,
        payload: &Value,
        expected_version: Option<u64>,
    ) -> Result<CommandAnswer, CommandError> {
        // The handler's own name for the type: metrics label by a fixed set of names.
        let (handler, command_type) = self
            .handlers
            .iter()
            .find_map(|handler| {
                let known = handler.types().iter().find(|t| **t == command_type)?;
                Some((handler, *known))
            })
            .ok_or_else(|| Rule::Invalid(format!("there is no command {command_type:?}")))?;
        let executed = handler
            .run(self, &origin, command_type, payload, expected_version)
            .await;
        Self::answered(command_type, origin.command_id, executed)
    }

    /// Runs a command that is not one of the contract's (sign-up, an admin grant) on its aggregate,
    /// answered and counted as `submit` does.
    pub async fn submit_to<A: Aggregate>(
        &self,
        command_type: &'static str,
        stream: String,
        command: A::Command,
        expected_version: Option<u64>,
        origin: &Origin,
    ) -> Result<CommandAnswer, CommandError> {
        let executed = self
            .execute::<A>(stream, command, expected_version, origin)
            .await;
        Self::answered(command_type, origin.command_id, executed)
    }

    fn answered(
        command_type: &'static str,
        command_id: Uuid,
        executed: Result<Executed, CommandError>,
    ) -> Result<CommandAnswer, CommandError> {
        let outcome = match &executed {
            Ok(executed) if executed.duplicate => "duplicate",
            Ok(_) => "ok",
            Err(CommandError::Rule(_)) => "refused",
            Err(CommandError::Conflict { .. }) => "conflict",
            Err(CommandError::Store(_)) => "failed",
        };
        crate::metrics::METRICS.command(command_type, outcome);
        executed.map(|executed| answer(command_id, executed))
    }

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

/// The contract's answer. `id` names what the command created: the id part of a stream it began.
fn answer(command_id: Uuid, Executed { record, duplicate }: Executed) -> CommandAnswer {
    let id = record
        .events
        .first()
        .filter(|first| first.version == 1)
        .and_then(|first| first.stream.split_once('-'))
        .map(|(_, id)| id.to_owned());
    CommandAnswer {
        command_id,
        position: record.position,
        duplicate,
        id,
        events: record.events,
    }
}

/// A `oneOf` of `{type, payload}` objects, one per command type and its payload's schema: what
/// [`CommandHandler::schema`] answers, and what serde derives for an enum tagged
/// `#[serde(tag = "type", content = "payload")]`.
pub fn tagged_schema(commands: &[(&str, Value)]) -> Value {
    let alternatives: Vec<Value> = commands
        .iter()
        .map(|(name, payload)| {
            serde_json::json!({
                "type": "object",
                "required": ["type", "payload"],
                "properties": {
                    "type": { "type": "string", "enum": [name] },
                    "payload": payload,
                },
            })
        })
        .collect();
    serde_json::json!({ "oneOf": alternatives })
}
