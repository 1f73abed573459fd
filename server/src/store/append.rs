//! What an append is and what it answers: the expected version, the events and their metadata,
//! the first answer to a command, and an append waiting in the writer's queue.

use super::StoreError;
use app::wire::AppendedEvent;
use serde_json::Value;
use tokio::sync::oneshot;
use uuid::Uuid;

/// What the stream must look like for an append to go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// Whatever the stream holds.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last version must be exactly this (0 = no stream).
    Exact(u64),
}

/// One event to append: what the domain decided, with its identity and schema version.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_id: Uuid,
    pub event_type: String,
    pub schema: u32,
    pub data: Value,
}

/// Where an append came from, kept on each of its events.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub command_id: Uuid,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub actor: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Append {
    pub stream: String,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
    pub metadata: Metadata,
    /// Decided on the state an append this node queued before it will leave (the command bus's
    /// turns): it stands only on that append's commit by this node's writer, never on the same
    /// version written by another node.
    pub after_queued: bool,
}

/// The first answer to a command: what it appended, or (for a command that changed nothing) the head
/// position when it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRecord {
    pub position: u64,
    pub events: Vec<AppendedEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    New(CommandRecord),
    /// The command id had been appended before: this is its first answer.
    Duplicate(CommandRecord),
}

/// An append in the writer's queue (see [`Store::queue`]).
pub struct Queued {
    pub(super) answer: oneshot::Receiver<Result<Appended, StoreError>>,
    pub(super) started: std::time::Instant,
    pub(super) events: usize,
}

impl Queued {
    /// The append's answer, once its commit (and fsync) is done.
    pub async fn committed(self) -> Result<Appended, StoreError> {
        let outcome = self.answer.await.map_err(|_| StoreError::Closed)?;
        if let Ok(Appended::New(_)) = &outcome {
            crate::metrics::METRICS.appended(self.started.elapsed(), self.events);
        }
        outcome
    }
}
