//! The pure write model: every rule of Agora lives here, with no I/O, no clock and no database.
//!
//! Each aggregate is a pair of functions: `decide(state, command) -> Result<Vec<Event>, Rule>` says
//! what happens, `evolve(state, event) -> state` says what it means. The command bus
//! (`crate::commands`) loads a stream, folds it with `evolve`, calls `decide` and appends the result.

pub mod event;
pub mod post;
pub mod text;
pub mod user;

#[cfg(test)]
mod harness;

pub use event::Event;

/// Why the domain refused a command. Each variant maps to one status of the contract.
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

/// An event-sourced aggregate: the state is rebuilt by folding `evolve` over its stream.
pub trait Aggregate {
    /// Serialisable so it can be snapshotted; raise [`Aggregate::STATE_SHAPE`] when its shape changes.
    type State: Default + Clone + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned;
    type Command;

    /// The version of `State`'s shape: snapshots of another shape are ignored.
    const STATE_SHAPE: u32 = 1;

    /// Loading a stream with at least this many events after its snapshot takes a new snapshot.
    const SNAPSHOT_EVERY: u64 = 100;

    fn decide(state: &Self::State, command: &Self::Command) -> Result<Vec<Event>, Rule>;

    /// True for a command that only ever succeeds on a new stream (a creation): it can be decided
    /// on the empty state and appended with "no stream expected".
    fn begins_stream(_command: &Self::Command) -> bool {
        false
    }
    fn evolve(state: Self::State, event: &Event) -> Self::State;

    /// Folds a whole history into a state.
    fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self::State {
        events
            .into_iter()
            .fold(Self::State::default(), Self::evolve)
    }
}

/// Who issues a command, as the domain needs to know it.
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

    /// The identity under which policies issue their commands.
    pub fn system(name: &str) -> Self {
        Actor {
            handle: format!("system:{name}"),
            is_admin: true,
        }
    }
}

/// An aggregate's state after `events`, as JSON, chosen by its stream's name (`user-…`, `post-…`);
/// `None` for a stream of no known aggregate. Used by the admin's time travel.
pub fn state_of_stream(stream: &str, events: &[Event]) -> Option<serde_json::Value> {
    let state = match stream.split_once('-')?.0 {
        "user" => serde_json::to_value(user::User::replay(events)),
        "post" => serde_json::to_value(post::Post::replay(events)),
        _ => return None,
    };
    state.ok()
}
