//! `GET /api/timeline/public`, `GET /api/users/{handle}/posts` and `GET /api/tags/{tag}`.

use super::lists::{list_at, reader};
use crate::http::auth::Viewer;
use crate::http::error::{ApiPath, ApiQuery, AppError};
use crate::http::openapi::responses as answers;
use crate::http::queries::PageQuery;
use crate::projections::{time_travel, Generation};
use crate::social::domain::user::valid_handle;
use crate::social::read_models::timeline;
use crate::state::AppState;
use app::wire::{Page, Post};
use axum::extract::State;
use axum::Json;

#[utoipa::path(get, path = "/timeline/public", tag = "social", params(PageQuery), security((),
    ("session" = [])),
    responses((status = 200, body = Page<Post>), answers::Invalid, answers::Forbidden))]
pub async fn public_timeline(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<Post>>, AppError> {
    if let Some(past_at) = query.at {
        if !viewer.as_ref().is_some_and(|viewer| viewer.is_admin) {
            return Err(AppError::Forbidden("time travel is for admins".into()));
        }
        // The past is rebuilt from the log, so only the people read model is waited for.
        let at = list_at(&state, viewer.as_ref(), &query, &[]).await?;
        let reader = reader(viewer.as_ref(), &at, &query)?;
        let past = time_travel::build(&state.store, &timeline::TIMELINE, past_at).await?;
        let position = past_at.min(state.store.head());
        let page = timeline::public(&past, Generation(1), &reader, position).await?;
        return Ok(Json(page));
    }
    let at = list_at(&state, viewer.as_ref(), &query, &[timeline::NAME]).await?;
    let reader = reader(viewer.as_ref(), &at, &query)?;
    let generation = state.projections.generation(timeline::NAME);
    let db = state.store.db();
    let mut page = timeline::public(db, generation, &reader, at.position).await?;
    page.stale = at.stale;
    Ok(Json(page))
}

#[utoipa::path(get, path = "/users/{handle}/posts", tag = "social",
    params(("handle" = String, Path, description = "A person's handle"), PageQuery), security((),
    ("session" = [])),
    responses((status = 200, body = Page<Post>), answers::Invalid, answers::NotFound))]
pub async fn user_posts(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    ApiPath(handle): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<Post>>, AppError> {
    if !valid_handle(&handle) {
        return Err(AppError::NotFound(format!("no user @{handle}")));
    }
    let at = list_at(&state, viewer.as_ref(), &query, &[timeline::NAME]).await?;
    let reader = reader(viewer.as_ref(), &at, &query)?;
    let generation = state.projections.generation(timeline::NAME);
    let db = state.store.db();
    let mut page = timeline::by_author(db, generation, &handle, &reader, at.position).await?;
    page.stale = at.stale;
    Ok(Json(page))
}

/// A tag as the parser keeps it: lower case letters, digits and `_`.
fn valid_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.chars().count() <= 100
        && tag.chars().all(|c| c.is_alphanumeric() || c == '_')
}

#[utoipa::path(get, path = "/tags/{tag}", tag = "social",
    params(("tag" = String, Path, description = "A tag, with or without `#`"), PageQuery),
    security((), ("session" = [])),
    responses((status = 200, body = Page<Post>), answers::Invalid))]
pub async fn tag(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    ApiPath(tag): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<Post>>, AppError> {
    let tag = tag.trim_start_matches('#').to_lowercase();
    if !valid_tag(&tag) {
        return Err(AppError::Invalid("a tag is letters, digits and _".into()));
    }
    let at = list_at(&state, viewer.as_ref(), &query, &[timeline::NAME]).await?;
    let reader = reader(viewer.as_ref(), &at, &query)?;
    let generation = state.projections.generation(timeline::NAME);
    let db = state.store.db();
    let mut page = timeline::tagged(db, generation, &tag, &reader, at.position).await?;
    page.stale = at.stale;
    Ok(Json(page))
}
