//! What every query of the read side shares: keyset pages, and `?min_position=` (read-your-writes):
//! a query waits for its projector, then answers `stale: true` if the wait ran out.

use super::error::AppError;
use crate::state::AppState;
use serde::Deserialize;
use std::time::Duration;

pub const DEFAULT_WAIT_MS: u64 = 2000;
pub const MAX_WAIT_MS: u64 = 10_000;
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items on a page: 1 to 100 (default 20).
    pub limit: Option<usize>,
    /// Where the next page starts: the `next` of the page before.
    pub cursor: Option<String>,
    /// Read-your-writes: wait for the read model to reach this position (a command's answer).
    pub min_position: Option<u64>,
    /// How long to wait for `min_position`, in ms (default 2000, at most 10000).
    pub wait_ms: Option<u64>,
    /// Time travel (admins): the read model as of this position, rebuilt aside.
    pub at: Option<u64>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<usize, AppError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            Some(_) => Err(AppError::Invalid(format!("limit is 1 to {MAX_LIMIT}"))),
        }
    }

    pub fn cursor(&self) -> Result<Option<u64>, AppError> {
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
