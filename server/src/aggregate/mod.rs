//! What every bounded context's write model is made of, and nothing of any one context.
//!
//! An aggregate is a pair of pure functions: `decide(state, command) -> Result<Vec<Event>, Rule>`
//! says what happens, `evolve(state, event) -> state` says what it means. The command bus
//! (`crate::commands`) loads a stream, folds it with `evolve`, calls `decide` and appends the result.
//! A context's events are its own enum, which the store sees only as `{type, schema, data}`.

#[cfg(test)]
pub mod harness;

use app::wire::Envelope;
use serde_json::Value;

/// Why a domain refused a command. Each variant maps to one status of the contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    /// The command is malformed for this domain (400 `invalid`): a length, a format.
    #[error("{0}")]
    Invalid(String),
    /// The actor may not do this (403 `forbidden`).
    #[error("{0}")]
    Forbidden(String),
    /// The command would take something unique that is taken (409 `conflict`).
    #[error("{0}")]
    Conflict(String),
    /// The command names something that does not exist (404 `not_found`).
    #[error("{0}")]
    NotFound(String),
    /// A business rule said no given the current state (422 `rule`).
    #[error("{0}")]
    Refused(String),
}

impl Rule {
    pub fn message(&self) -> &str {
        match self {
            Rule::Invalid(m)
            | Rule::Forbidden(m)
            | Rule::Conflict(m)
            | Rule::NotFound(m)
            | Rule::Refused(m) => m,
        }
    }
}

/// A context's event type as the store keeps it: a `type` name, a `schema` version and JSON `data`.
pub trait DomainEvent: Clone + std::fmt::Debug + PartialEq + Send + Sync + Sized + 'static {
    /// The name stored in the envelope's `type`.
    fn type_name(&self) -> &'static str;
    /// The schema version new events of this type are written with.
    fn schema(&self) -> u32;
    /// The envelope's `data`.
    fn data(&self) -> Value;
    /// Rebuilds an event from an envelope's `type` and (already upcast) `data`.
    fn from_parts(event_type: &str, data: &Value) -> Result<Self, serde_json::Error>;
    /// Whether `event_type` is one of this context's: the log holds every context's events, and a
    /// context's read models and policies pass over the others'.
    fn knows(event_type: &str) -> bool;
}

/// The envelope's event when it is one of `E`'s types; `None` for another context's event.
pub fn decode<E: DomainEvent>(envelope: &Envelope) -> Result<Option<E>, serde_json::Error> {
    if !E::knows(&envelope.event_type) {
        return Ok(None);
    }
    E::from_parts(&envelope.event_type, &envelope.data).map(Some)
}

/// The `data` of an enum serialised with `#[serde(tag = "type", content = "data")]`.
pub fn tagged_data(event: &impl serde::Serialize) -> Value {
    let mut tagged = serde_json::to_value(event).expect("events serialize");
    tagged
        .get_mut("data")
        .map(Value::take)
        .unwrap_or(Value::Null)
}

/// The inverse of [`tagged_data`].
pub fn from_tagged<E: serde::de::DeserializeOwned>(
    event_type: &str,
    data: &Value,
) -> Result<E, serde_json::Error> {
    serde_json::from_value(serde_json::json!({ "type": event_type, "data": data }))
}

/// An event-sourced aggregate: the state is rebuilt by folding `evolve` over its stream.
pub trait Aggregate: Send + Sync + 'static {
    /// Serialisable so it can be snapshotted; raise [`Aggregate::STATE_SHAPE`] when its shape changes.
    type State: Default
        + Clone
        + std::fmt::Debug
        + Send
        + 'static
        + serde::Serialize
        + serde::de::DeserializeOwned;
    type Command: Send + Sync;
    type Event: DomainEvent;

    /// The version of `State`'s shape: snapshots of another shape are ignored.
    const STATE_SHAPE: u32 = 1;

    /// Loading a stream with at least this many events after its snapshot takes a new snapshot.
    const SNAPSHOT_EVERY: u64 = 100;

    fn decide(state: &Self::State, command: &Self::Command) -> Result<Vec<Self::Event>, Rule>;

    /// True for a command that only ever succeeds on a new stream (a creation): it can be decided
    /// on the empty state and appended with "no stream expected".
    fn begins_stream(_command: &Self::Command) -> bool {
        false
    }
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// Folds a whole history into a state.
    fn replay<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State {
        events
            .into_iter()
            .fold(Self::State::default(), Self::evolve)
    }
}

/// Who issues a command, as a domain needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub handle: String,
    pub is_admin: bool,
}

impl Actor {
    pub fn user(handle: &str) -> Self {
        Actor {
            handle: handle.to_owned(),
            is_admin: false,
        }
    }

    /// The identity under which policies and operators' tools issue their commands.
    pub fn system(name: &str) -> Self {
        Actor {
            handle: format!("system:{name}"),
            is_admin: true,
        }
    }

    pub fn is_system(&self) -> bool {
        self.handle.starts_with("system:")
    }
}
