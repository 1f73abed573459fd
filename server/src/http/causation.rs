//! `GET /api/admin/causation/{id}`: the chain a command or event belongs to, as a tree from its root
//! command: command → events → the commands those events caused (policies) → their events …

use super::auth::Admin;
use super::error::{ApiPath, AppError};
use crate::http::openapi::responses as answers;
use crate::state::AppState;
use crate::store::{EventFilter, IndexState, Store, StoreError};
use app::wire::{Causation, CommandNode, Envelope, EventNode};
use axum::extract::State;
use axum::Json;
use futures::future::BoxFuture;
use uuid::Uuid;

/// Chains deeper than this are cut (a policy loop would otherwise never end).
const MAX_DEPTH: usize = 32;
const MAX_FAN_OUT: usize = 1000;

fn filter() -> EventFilter {
    EventFilter {
        after: Some(0),
        limit: MAX_FAN_OUT,
        ..EventFilter::default()
    }
}

/// The log and the event index it is read through (event ids and causes are the index's).
#[derive(Clone, Copy)]
struct Log<'a> {
    store: &'a Store,
    index: IndexState,
}

impl Log<'_> {
    async fn query(&self, filter: EventFilter) -> Result<Vec<Envelope>, StoreError> {
        Ok(self.store.query(&filter, self.index).await?.events)
    }

    async fn events_of_command(&self, command: Uuid) -> Result<Vec<Envelope>, StoreError> {
        self.query(EventFilter {
            command: Some(command),
            ..filter()
        })
        .await
    }

    async fn event_by_id(&self, event_id: Uuid) -> Result<Option<Envelope>, StoreError> {
        let events = self
            .query(EventFilter {
                event_id: Some(event_id),
                ..filter()
            })
            .await?;
        Ok(events.into_iter().next())
    }
}

#[utoipa::path(get, path = "/admin/causation/{id}", tag = "admin",
    params(("id" = Uuid, Path, description = "An event id or a command id")),
    security(("session" = [])),
    responses((status = 200, body = Causation), answers::Invalid, answers::Unauthorized,
        answers::Forbidden, answers::NotFound))]
pub async fn tree(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Causation>, AppError> {
    let log = Log {
        store: &state.store,
        index: IndexState::of(&state.projections),
    };
    let start = match log.event_by_id(id).await? {
        Some(event) => event.metadata.command_id,
        None => Some(id),
    };
    let mut command = start.ok_or_else(|| AppError::NotFound("no such command or event".into()))?;
    let mut events = log.events_of_command(command).await?;
    if events.is_empty() {
        return Err(AppError::NotFound(format!("no command or event {id}")));
    }
    // Up to the root: the command whose events no other event caused.
    for _ in 0..MAX_DEPTH {
        let Some(cause) = events[0].metadata.causation_id else {
            break;
        };
        let Some(parent) = log.event_by_id(cause).await? else {
            break;
        };
        let Some(parent_command) = parent.metadata.command_id else {
            break;
        };
        command = parent_command;
        events = log.events_of_command(command).await?;
    }
    let root = down(log, command, events, 0).await?;
    Ok(Json(Causation { focus: id, root }))
}

fn down<'a>(
    log: Log<'a>,
    command_id: Uuid,
    events: Vec<Envelope>,
    depth: usize,
) -> BoxFuture<'a, Result<CommandNode, StoreError>> {
    Box::pin(async move {
        let actor = events.first().and_then(|e| e.metadata.actor.clone());
        let at = events
            .first()
            .map(|e| e.metadata.at.clone())
            .unwrap_or_default();
        let mut nodes = Vec::with_capacity(events.len());
        for event in events {
            let mut caused = vec![];
            if depth < MAX_DEPTH {
                let effects = log
                    .query(EventFilter {
                        causation: Some(event.event_id),
                        ..filter()
                    })
                    .await?;
                let mut commands: Vec<Uuid> = effects
                    .iter()
                    .filter_map(|e| e.metadata.command_id)
                    .collect();
                commands.dedup();
                for command in commands {
                    let its_events: Vec<Envelope> = effects
                        .iter()
                        .filter(|e| e.metadata.command_id == Some(command))
                        .cloned()
                        .collect();
                    caused.push(down(log, command, its_events, depth + 1).await?);
                }
            }
            nodes.push(EventNode { event, caused });
        }
        Ok(CommandNode {
            command_id,
            actor,
            at,
            events: nodes,
        })
    })
}
