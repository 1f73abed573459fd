//! The store over HTTP: the NDJSON feed for other systems and the admin's event browser.

use super::auth::{Admin, SourceReader};
use super::error::{ApiPath, ApiQuery, AppError};
use super::queries::{DEFAULT_WAIT_MS, MAX_WAIT_MS};
use crate::http::openapi::responses as answers;
use crate::projections::RebuildRefused;
use crate::state::AppState;
use crate::store::{index, EventFilter, IndexState};
use app::wire::{Envelope, EventPage, Page, ProjectionRow};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::time::Duration;
use uuid::Uuid;

const DEFAULT_EXPORT: usize = 1000;
const MAX_EXPORT: usize = 10_000;
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    pub after: Option<u64>,
    pub limit: Option<usize>,
}

/// `GET /api/events?after=&limit=`: NDJSON, one envelope a line, in position order.
#[utoipa::path(get, path = "/events", tag = "store", params(FeedQuery),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Envelopes in position order, one a line",
            content_type = "application/x-ndjson", body = String), answers::Invalid,
        answers::Unauthorized, answers::Forbidden))]
pub async fn ndjson(
    State(state): State<AppState>,
    _reader: SourceReader,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> Result<Response, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_EXPORT);
    if !(1..=MAX_EXPORT).contains(&limit) {
        return Err(AppError::Invalid(format!("limit is 1 to {MAX_EXPORT}")));
    }
    let events = state
        .store
        .read_all(query.after.unwrap_or(0), limit)
        .await?;
    let mut body = String::new();
    for event in &events {
        body.push_str(&serde_json::to_string(event).map_err(anyhow::Error::from)?);
        body.push('\n');
    }
    Ok(([(CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BrowseQuery {
    pub after: Option<u64>,
    pub before: Option<u64>,
    pub limit: Option<usize>,
    pub stream: Option<String>,
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    pub actor: Option<String>,
    pub correlation: Option<Uuid>,
    pub causation: Option<Uuid>,
    pub command: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Read-your-writes, as every query: wait for the event index to reach this position.
    pub min_position: Option<u64>,
    pub wait_ms: Option<u64>,
}

/// `GET /api/admin/events`: filtered keyset pages, newest first unless only `after` is given. The
/// filters are answered by the event index and the log above it: `position` is how far the answer
/// is complete, `stale` says the index was too far behind (or `min_position` not reached in time).
#[utoipa::path(get, path = "/admin/events", tag = "admin", params(BrowseQuery),
    security(("session" = [])),
    responses((status = 200, body = EventPage), answers::Invalid, answers::Unauthorized,
        answers::Forbidden))]
pub async fn browse(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(query): ApiQuery<BrowseQuery>,
) -> Result<Json<EventPage>, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::Invalid(format!("limit is 1 to {MAX_PAGE}")));
    }
    let filter = EventFilter {
        after: query.after,
        before: query.before,
        limit: limit + 1,
        stream: query.stream,
        event_type: query.event_type,
        actor: query.actor,
        correlation: query.correlation,
        causation: query.causation,
        command: query.command,
        event_id: query.event_id,
        from: query.from,
        to: query.to,
    };
    if let Some(min) = query.min_position {
        let wait = query.wait_ms.unwrap_or(DEFAULT_WAIT_MS).min(MAX_WAIT_MS);
        let wait = Duration::from_millis(wait);
        state.projections.wait_for(index::NAME, min, wait).await;
    }
    let answer = state
        .store
        .query(&filter, IndexState::of(&state.projections))
        .await?;
    let mut items = answer.events;
    let more = items.len() > limit;
    items.truncate(limit);
    // A page cut short by the scan's cap goes on where the scan stopped.
    let next = match items.last() {
        Some(last) if more => Some(last.position),
        _ => answer.resume,
    };
    let stale = answer.stale || query.min_position.is_some_and(|min| answer.position < min);
    Ok(Json(EventPage {
        page: Page {
            items,
            next: next.map(|position| position.to_string()),
            position: answer.position,
            stale,
        },
        head: state.store.head(),
    }))
}

/// `GET /api/admin/events/{position}`.
#[utoipa::path(get, path = "/admin/events/{position}", tag = "admin",
    params(("position" = u64, Path, description = "The event's position")),
    security(("session" = [])),
    responses((status = 200, body = Envelope), answers::Invalid, answers::Unauthorized,
        answers::Forbidden, answers::NotFound))]
pub async fn one(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(position): ApiPath<u64>,
) -> Result<Json<Envelope>, AppError> {
    state
        .store
        .event(position)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no event at {position}")))
}

/// `GET /api/admin/projections`.
#[utoipa::path(get, path = "/admin/projections", tag = "admin", security(("session" = [])),
    responses((status = 200, body = Vec<ProjectionRow>), answers::Unauthorized,
        answers::Forbidden))]
pub async fn projections(State(state): State<AppState>, _admin: Admin) -> Json<Vec<ProjectionRow>> {
    Json(state.projections.statuses(state.store.head()))
}

/// `POST /api/admin/projections/{name}/parked/retry`: 202, the retry runs in the background.
#[utoipa::path(post, path = "/admin/projections/{name}/parked/retry", tag = "admin",
    params(("name" = String, Path, description = "A projector's name")),
    security(("session" = [])),
    responses((status = 202, description = "The retry started"), answers::Unauthorized,
        answers::Forbidden, answers::NotFound))]
pub async fn retry_parked(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(name): ApiPath<String>,
) -> Result<axum::http::StatusCode, AppError> {
    retry_started(state.projections.retry_parked(&name), "projector", &name)
}

/// 202 when a retry of parked events started, 404 when nothing has that name.
fn retry_started(
    started: bool,
    kind: &str,
    name: &str,
) -> Result<axum::http::StatusCode, AppError> {
    if started {
        Ok(axum::http::StatusCode::ACCEPTED)
    } else {
        Err(AppError::NotFound(format!("no {kind} named {name}")))
    }
}

/// `GET /api/admin/policies`: each policy's position, lag, errors and parked events.
#[utoipa::path(get, path = "/admin/policies", tag = "admin", security(("session" = [])),
    responses((status = 200, body = Vec<ProjectionRow>), answers::Unauthorized,
        answers::Forbidden))]
pub async fn policies(State(state): State<AppState>, _admin: Admin) -> Json<Vec<ProjectionRow>> {
    Json(state.policies.statuses(state.store.head()))
}

/// `POST /api/admin/policies/{name}/parked/retry`: 202, the retry runs in the background.
#[utoipa::path(post, path = "/admin/policies/{name}/parked/retry", tag = "admin",
    params(("name" = String, Path, description = "A policy's name")),
    security(("session" = [])),
    responses((status = 202, description = "The retry started"), answers::Unauthorized,
        answers::Forbidden, answers::NotFound))]
pub async fn retry_policy_parked(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(name): ApiPath<String>,
) -> Result<axum::http::StatusCode, AppError> {
    retry_started(state.policies.retry_parked(&name), "policy", &name)
}

/// `POST /api/admin/projections/{name}/rebuild`: 202; progress in the projection list.
#[utoipa::path(post, path = "/admin/projections/{name}/rebuild", tag = "admin",
    params(("name" = String, Path, description = "A projector's name")),
    security(("session" = [])),
    responses((status = 202, description = "The rebuild started"), answers::Unauthorized,
        answers::Forbidden, answers::NotFound, answers::Conflict))]
pub async fn rebuild(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(name): ApiPath<String>,
) -> Result<axum::http::StatusCode, AppError> {
    match state.projections.rebuild(&name) {
        Ok(()) => Ok(axum::http::StatusCode::ACCEPTED),
        Err(RebuildRefused::Unknown) => {
            Err(AppError::NotFound(format!("no projector named {name}")))
        }
        Err(refused @ RebuildRefused::Running) => Err(AppError::Conflict(refused.to_string())),
    }
}
