//! `GET /api/posts/{id}` (a thread) and `GET /api/posts/{id}/history` (every version of a post).

use super::lists::list_at;
use crate::http::auth::Viewer;
use crate::http::error::{ApiPath, ApiQuery, AppError};
use crate::http::openapi::responses as answers;
use crate::http::queries::{consistent, PageQuery};
use crate::social::read_models::timeline;
use crate::state::AppState;
use app::wire::{Page, PostVersion, Thread};
use axum::extract::State;
use axum::Json;
use uuid::Uuid;

fn post_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::NotFound("no such post".into()))
}

#[utoipa::path(get, path = "/posts/{id}", tag = "social", params(("id" = String, Path,
    description = "A post's id (a UUID)"), PageQuery), security((), ("session" = [])),
    responses((status = 200, body = Thread), answers::Invalid, answers::NotFound))]
pub async fn thread(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Thread>, AppError> {
    let post_id = post_id(&id)?;
    let at = list_at(&state, viewer.as_ref(), &query, &[timeline::NAME]).await?;
    let generation = state.projections.generation(timeline::NAME);
    let viewer = viewer.as_ref().map(|v| v.handle.as_str());
    let db = state.store.db();
    let (post, ancestors, replies) = timeline::thread(db, generation, post_id, viewer, &at.hidden)
        .await?
        .ok_or_else(|| AppError::NotFound("no such post".into()))?;
    Ok(Json(Thread {
        post,
        ancestors,
        replies,
        position: at.position,
        stale: at.stale,
    }))
}

#[utoipa::path(get, path = "/posts/{id}/history", tag = "social", params(("id" = String, Path,
    description = "A post's id (a UUID)"), PageQuery),
    security((), ("session" = [])),
    responses((status = 200, body = Page<PostVersion>), answers::Invalid, answers::NotFound))]
pub async fn history(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<PostVersion>>, AppError> {
    let post_id = post_id(&id)?;
    let (position, stale) = consistent(&state, &[timeline::NAME], &query).await;
    let generation = state.projections.generation(timeline::NAME);
    let items = timeline::history(state.store.db(), generation, post_id)
        .await?
        .ok_or_else(|| AppError::NotFound("no such post".into()))?;
    Ok(Json(Page {
        items,
        next: None,
        position,
        stale,
    }))
}
