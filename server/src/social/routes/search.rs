//! `GET /api/search?q=`: posts by full text (BM25), people by handle or display-name prefix.

use super::lists::list_at;
use crate::http::auth::Viewer;
use crate::http::error::{ApiQuery, AppError};
use crate::http::openapi::responses as answers;
use crate::http::queries::PageQuery;
use crate::social::read_models::timeline::rows;
use crate::social::read_models::{people, search, timeline};
use crate::state::AppState;
use app::wire::SearchResults;
use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Words {
    /// What to look for: 1 to 200 characters.
    #[param(min_length = 1, max_length = 200)]
    #[serde(default)]
    q: String,
}

const MAX_QUERY: usize = 200;

#[utoipa::path(get, path = "/search", tag = "social", params(Words, PageQuery), security((),
    ("session" = [])),
    responses((status = 200, body = SearchResults), answers::Invalid))]
pub async fn search(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    ApiQuery(words): ApiQuery<Words>,
    ApiQuery(query): ApiQuery<PageQuery>,
    Extension(finds): Extension<Arc<search::Finds>>,
) -> Result<Json<SearchResults>, AppError> {
    let q = words.q.trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY {
        return Err(AppError::Invalid(format!(
            "q is 1 to {MAX_QUERY} characters"
        )));
    }
    let limit = query.limit()?.min(search::MAX_RESULTS);
    // Hits come from search, their posts from the timeline: both must have reached the position.
    let at = list_at(
        &state,
        viewer.as_ref(),
        &query,
        &[search::NAME, timeline::NAME],
    )
    .await?;
    let db = state.store.db();
    // The position first: what is found after it is of that position or a later one.
    let position = state.projections.position(search::NAME);
    let g = state.projections.generation(search::NAME);
    let tables = rows::Tables::of(state.projections.generation(timeline::NAME));
    let found = search::find(&finds, db, (g, position), q, limit).await?;
    let rows: Vec<rows::Row> = rows::rows_at(db, &tables, &found.posts)
        .await?
        .into_iter()
        .filter(|row| !row.hidden && !at.hidden.contains(&row.author))
        .collect();
    let viewer_handle = viewer.as_ref().map(|v| v.handle.as_str());
    let posts = rows::posts(db, &tables, &rows, viewer_handle).await?;
    let handles: Vec<String> = found
        .people
        .iter()
        .filter(|handle| !at.hidden.contains(*handle))
        .cloned()
        .collect();
    let people_g = state.projections.generation(people::NAME);
    let users = people::summaries(db, people_g, &handles).await?;
    Ok(Json(SearchResults {
        posts,
        users,
        position: at.position,
        stale: at.stale,
    }))
}
