//! The read side's queries. Each answers the position its read model has reached and honours
//! `?min_position=` (read-your-writes): it waits for the projector, then answers `stale: true` if the
//! wait ran out.

use super::auth::Viewer;
use super::error::{ApiQuery, AppError};
use crate::projections::{time_travel, timeline, Generation};
use crate::state::AppState;
use app::wire::{Page, Post};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use std::time::Duration;

pub const DEFAULT_WAIT_MS: u64 = 2000;
pub const MAX_WAIT_MS: u64 = 10_000;
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    pub min_position: Option<u64>,
    pub wait_ms: Option<u64>,
    /// Time travel (admins): the read model as of this position, rebuilt aside.
    pub at: Option<u64>,
}

impl PageQuery {
    fn limit(&self) -> Result<usize, AppError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            Some(_) => Err(AppError::Invalid(format!("limit is 1 to {MAX_LIMIT}"))),
        }
    }

    fn cursor(&self) -> Result<Option<u64>, AppError> {
        self.cursor
            .as_deref()
            .map(|cursor| {
                cursor
                    .parse()
                    .map_err(|_| AppError::Invalid("the cursor is not one this API gave".into()))
            })
            .transpose()
    }
}

/// Waits (if asked) for a projector to reach `min_position`; answers its position and staleness.
pub async fn consistent(state: &AppState, projector: &str, query: &PageQuery) -> (u64, bool) {
    match query.min_position {
        None => (state.projections.position(projector), false),
        Some(min) => {
            let wait =
                Duration::from_millis(query.wait_ms.unwrap_or(DEFAULT_WAIT_MS).min(MAX_WAIT_MS));
            let (reached, position) = state.projections.wait_for(projector, min, wait).await;
            (position, !reached)
        }
    }
}

pub async fn public_timeline(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<Post>>, AppError> {
    let (limit, cursor) = (query.limit()?, query.cursor()?);
    if let Some(at) = query.at {
        if !viewer.is_some_and(|viewer| viewer.is_admin) {
            return Err(AppError::Forbidden("time travel is for admins".into()));
        }
        let past = time_travel::build(&state.store, &timeline::Timeline, at).await?;
        return Ok(Json(
            timeline::public(
                &past,
                Generation(1),
                cursor,
                limit,
                at.min(state.store.head()),
            )
            .await?,
        ));
    }
    let (position, stale) = consistent(&state, timeline::NAME, &query).await;
    let generation = state.projections.generation(timeline::NAME);
    let mut page = timeline::public(state.store.db(), generation, cursor, limit, position).await?;
    page.stale = stale;
    Ok(Json(page))
}
