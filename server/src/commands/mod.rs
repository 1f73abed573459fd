//! The write side's entry: a command → its stream loaded and folded → `decide` → append.
//!
//! Every command is idempotent by its `command_id`: a command id seen before answers its first
//! answer, marked `duplicate`, and appends nothing. Without an `expected_version` from the client, a
//! concurrent change to the same stream is not the client's problem: the command is decided again
//! on the new state. With one, a mismatch is the client's conflict (409).

mod command;

pub use command::Command;

use crate::domain::post::{self, Parent, Post, PostCommand};
use crate::domain::user::{self, User, UserCommand};
use crate::domain::{Actor, Aggregate, Event, Rule};
use crate::store::{
    Append, Appended, CommandRecord, ExpectedVersion, Metadata, NewEvent, Snapshot, Store,
    StoreError,
};
use app::wire::CommandAnswer;
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
}

impl Origin {
    /// A command that starts a new chain (sent by a person): it is its own correlation.
    pub fn new(command_id: Uuid, actor: Actor) -> Self {
        Origin {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor,
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

#[derive(Clone)]
pub struct CommandBus {
    store: Store,
}

impl CommandBus {
    pub fn new(store: Store) -> Self {
        CommandBus { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs a command once per command id.
    pub async fn submit(
        &self,
        origin: Origin,
        command: Command,
        expected_version: Option<u64>,
    ) -> Result<CommandAnswer, CommandError> {
        let command_type = command.type_name();
        let answer = self.run_command(origin, command, expected_version).await;
        let outcome = match &answer {
            Ok(answer) if answer.duplicate => "duplicate",
            Ok(_) => "ok",
            Err(CommandError::Rule(_)) => "refused",
            Err(CommandError::Conflict { .. }) => "conflict",
            Err(CommandError::Store(_)) => "failed",
        };
        crate::metrics::METRICS.command(command_type, outcome);
        answer
    }

    async fn run_command(
        &self,
        origin: Origin,
        command: Command,
        expected_version: Option<u64>,
    ) -> Result<CommandAnswer, CommandError> {
        let actor = origin.actor.clone();
        let (record, duplicate) = match command {
            Command::RegisterUser {
                user_id,
                handle,
                display_name,
                password_hash,
            } => {
                let command = UserCommand::Register {
                    user_id,
                    handle: handle.clone(),
                    display_name,
                    password_hash,
                };
                self.run::<User>(user::stream(&handle), command, expected_version, &origin)
                    .await?
            }
            Command::GrantAdmin { handle } => {
                self.run::<User>(
                    user::stream(&handle),
                    UserCommand::GrantAdmin,
                    expected_version,
                    &origin,
                )
                .await?
            }
            Command::UpdateProfile { display_name, bio } => {
                let command = UserCommand::UpdateProfile { display_name, bio };
                self.run::<User>(
                    user::stream(&actor.handle),
                    command,
                    expected_version,
                    &origin,
                )
                .await?
            }
            Command::CreatePost {
                post_id,
                text,
                reply_to,
            } => {
                let post_id = post_id.unwrap_or_else(Uuid::now_v7);
                let reply_to = match reply_to {
                    Some(parent) => Some(self.parent(parent).await?),
                    None => None,
                };
                let command = PostCommand::Create {
                    post_id,
                    author: actor.handle.clone(),
                    text,
                    reply_to,
                };
                self.run::<Post>(post::stream(post_id), command, expected_version, &origin)
                    .await?
            }
            Command::DeletePost { post_id } => {
                let command = PostCommand::Delete { actor };
                self.run::<Post>(post::stream(post_id), command, expected_version, &origin)
                    .await?
            }
            Command::ReportPost { post_id, reason } => {
                let command = PostCommand::Report {
                    reporter: actor.handle,
                    reason,
                };
                self.run::<Post>(post::stream(post_id), command, expected_version, &origin)
                    .await?
            }
            Command::HidePost { post_id, reason } => {
                if !actor.is_admin {
                    return Err(Rule::Forbidden(
                        "only admins and the moderation policy hide posts".into(),
                    )
                    .into());
                }
                self.run::<Post>(
                    post::stream(post_id),
                    PostCommand::Hide { reason },
                    expected_version,
                    &origin,
                )
                .await?
            }
        };
        Ok(answer(origin.command_id, record, duplicate))
    }

    /// Makes a registered user an admin, on behalf of `by` (a system actor: the flag, the CLI).
    pub async fn grant_admin(&self, handle: &str, by: &str) -> Result<CommandAnswer, CommandError> {
        let origin = Origin::new(Uuid::now_v7(), Actor::system(by));
        self.submit(
            origin,
            Command::GrantAdmin {
                handle: handle.to_owned(),
            },
            None,
        )
        .await
    }

    /// Loads a stream and folds it into its aggregate's state, with the stream's version: from its
    /// latest snapshot plus the events after it, taking a new snapshot when that tail grew long.
    pub async fn load<A: Aggregate>(&self, stream: &str) -> Result<(A::State, u64), CommandError> {
        let (snapshot, tail) = self
            .store
            .read_from_snapshot(stream, A::STATE_SHAPE)
            .await?;
        let (state, from) = snapshot
            .and_then(|s| Some((serde_json::from_value::<A::State>(s.state).ok()?, s.version)))
            .unwrap_or_default();
        let version = tail.last().map_or(from, |e| e.version);
        let events = tail
            .iter()
            .map(|e| Event::from_parts(&e.event_type, &e.data))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(format!("{stream}: {e}")))?;
        let state = events.iter().fold(state, A::evolve);
        if tail.len() as u64 >= A::SNAPSHOT_EVERY {
            self.snapshot::<A>(stream, &state, version);
        }
        Ok((state, version))
    }

    /// Saves a snapshot in the background: a failure costs only a longer load next time.
    fn snapshot<A: Aggregate>(&self, stream: &str, state: &A::State, version: u64) {
        let Ok(state) = serde_json::to_value(state) else {
            return;
        };
        let (store, stream) = (self.store.clone(), stream.to_owned());
        tokio::spawn(async move {
            let snapshot = Snapshot { version, state };
            if let Err(error) = store
                .save_snapshot(&stream, A::STATE_SHAPE, &snapshot)
                .await
            {
                tracing::warn!(%stream, %error, "snapshot not saved");
            }
        });
    }

    async fn parent(&self, post_id: Uuid) -> Result<Parent, CommandError> {
        let (state, _) = self.load::<Post>(&post::stream(post_id)).await?;
        let visible = state.created.is_some_and(|post| post.visible());
        Ok(Parent { post_id, visible })
    }

    async fn run<A: Aggregate>(
        &self,
        stream: String,
        command: A::Command,
        expected_version: Option<u64>,
        origin: &Origin,
    ) -> Result<(CommandRecord, bool), CommandError> {
        // A command that only ever begins a stream is decided on the empty state without reading:
        // the store's unique indexes refuse it if the stream or the command id exists, and then it
        // takes the careful path below. Optimistic, and it saves two reads on every post.
        let mut assume_new = A::begins_stream(&command) && expected_version.unwrap_or(0) == 0;
        if !assume_new {
            if let Some(first) = self.store.find_command(origin.command_id).await? {
                return Ok((first, true));
            }
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (state, version) = if assume_new {
                (A::State::default(), 0)
            } else {
                self.load::<A>(&stream).await?
            };
            if let Some(expected) = expected_version.filter(|expected| *expected != version) {
                return Err(CommandError::Conflict {
                    stream,
                    expected,
                    actual: version,
                });
            }
            let decided = A::decide(&state, &command)?;
            if decided.is_empty() {
                return Ok((self.store.record_noop(origin.command_id).await?, false));
            }
            let append = Append {
                stream: stream.clone(),
                expected: ExpectedVersion::Exact(version),
                events: decided.iter().map(new_event).collect(),
                metadata: origin.metadata(),
            };
            match self.store.append(append).await {
                Ok(Appended::New(record)) => return Ok((record, false)),
                Ok(Appended::Duplicate(record)) => return Ok((record, true)),
                Err(StoreError::Conflict { .. }) if assume_new => assume_new = false,
                Err(StoreError::Conflict { actual, .. })
                    if expected_version.is_none() && attempts < MAX_DECISIONS =>
                {
                    tracing::debug!(%stream, actual, "stream moved while deciding; deciding again");
                }
                Err(StoreError::Conflict { actual, .. }) => {
                    return Err(CommandError::Conflict {
                        stream,
                        expected: version,
                        actual,
                    })
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
}

fn new_event(event: &Event) -> NewEvent {
    let (event_type, data) = event.to_parts();
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: event_type.to_owned(),
        schema: event.schema(),
        data,
    }
}

/// The contract's answer. `id` names what the command created: the id part of a stream it began.
fn answer(command_id: Uuid, record: CommandRecord, duplicate: bool) -> CommandAnswer {
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
