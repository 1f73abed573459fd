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

mod execute;
mod load;
mod states;
mod turns;

pub use states::StateLoads;
pub use turns::QueuedSignal;

use crate::aggregate::{Actor, Aggregate, Rule};
use crate::people::{People, Person};
use crate::store::{CommandRecord, Metadata, Store, StoreError};
use app::wire::CommandAnswer;
use futures::future::BoxFuture;
use serde_json::Value;
use states::States;
use std::sync::Arc;
use uuid::Uuid;

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
