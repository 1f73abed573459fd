//! What every query of the read side shares: keyset pages, and `?min_position=` (read-your-writes):
//! a query waits for its projector, then answers `stale: true` if the wait ran out.

use super::error::AppError;
use crate::state::AppState;
use futures::future::join_all;
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

/// Waits (if asked) for every read model a query reads to reach `min_position`, all at once, so
/// a query of several read models waits `wait_ms` at most, not once per model. Answers the
/// position of the least recent of them (the page is only as recent as that) and whether any
/// did not reach `min_position` in time.
pub async fn consistent(state: &AppState, projectors: &[&str], query: &PageQuery) -> (u64, bool) {
    let Some(min) = query.min_position else {
        let position = projectors
            .iter()
            .map(|name| state.projections.position(name))
            .min();
        return (position.unwrap_or(0), false);
    };
    let wait = Duration::from_millis(query.wait_ms.unwrap_or(DEFAULT_WAIT_MS).min(MAX_WAIT_MS));
    let waits = projectors
        .iter()
        .map(|name| state.projections.wait_for(name, min, wait));
    let answers = join_all(waits).await;
    let position = answers.iter().map(|(_, at)| *at).min().unwrap_or(0);
    (position, answers.iter().any(|(reached, _)| !reached))
}
