//! The store over HTTP: the NDJSON feed for other systems and the admin's event browser.

use super::auth::{Admin, SourceReader};
use super::error::{ApiQuery, AppError};
use crate::projections::RebuildRefused;
use crate::state::AppState;
use crate::store::EventFilter;
use app::wire::{Envelope, EventPage, Page, ProjectionRow};
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

const DEFAULT_EXPORT: usize = 1000;
const MAX_EXPORT: usize = 10_000;
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    pub after: Option<u64>,
    pub limit: Option<usize>,
}

/// `GET /api/events?after=&limit=`: NDJSON, one envelope a line, in position order.
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

#[derive(Debug, Deserialize)]
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
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `GET /api/admin/events`: filtered keyset pages, newest first unless only `after` is given.
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
        event_id: None,
        from: query.from,
        to: query.to,
    };
    let mut items = state.store.query(&filter).await?;
    let more = items.len() > limit;
    items.truncate(limit);
    let next = if more {
        items.last().map(|last| last.position.to_string())
    } else {
        None
    };
    let head = state.store.head();
    Ok(Json(EventPage {
        page: Page {
            items,
            next,
            position: head,
            stale: false,
        },
        head,
    }))
}

/// `GET /api/admin/events/{position}`.
pub async fn one(
    State(state): State<AppState>,
    _admin: Admin,
    Path(position): Path<u64>,
) -> Result<Json<Envelope>, AppError> {
    state
        .store
        .event(position)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no event at {position}")))
}

/// `GET /api/admin/projections`.
pub async fn projections(State(state): State<AppState>, _admin: Admin) -> Json<Vec<ProjectionRow>> {
    Json(state.projections.statuses(state.store.head()))
}

/// `POST /api/admin/projections/{name}/parked/retry`: 202, the retry runs in the background.
pub async fn retry_parked(
    State(state): State<AppState>,
    _admin: Admin,
    Path(name): Path<String>,
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
pub async fn policies(State(state): State<AppState>, _admin: Admin) -> Json<Vec<ProjectionRow>> {
    Json(state.policies.statuses(state.store.head()))
}

/// `POST /api/admin/policies/{name}/parked/retry`: 202, the retry runs in the background.
pub async fn retry_policy_parked(
    State(state): State<AppState>,
    _admin: Admin,
    Path(name): Path<String>,
) -> Result<axum::http::StatusCode, AppError> {
    retry_started(state.policies.retry_parked(&name), "policy", &name)
}

/// `POST /api/admin/projections/{name}/rebuild`: 202; progress in the projection list.
pub async fn rebuild(
    State(state): State<AppState>,
    _admin: Admin,
    Path(name): Path<String>,
) -> Result<axum::http::StatusCode, AppError> {
    match state.projections.rebuild(&name) {
        Ok(()) => Ok(axum::http::StatusCode::ACCEPTED),
        Err(RebuildRefused::Unknown) => {
            Err(AppError::NotFound(format!("no projector named {name}")))
        }
        Err(refused @ RebuildRefused::Running) => Err(AppError::Conflict(refused.to_string())),
    }
}
