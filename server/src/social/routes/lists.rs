//! What every list query of the social context shares: the viewer, and the people they do not see.

use crate::http::auth::SignedIn;
use crate::http::error::AppError;
use crate::http::queries::PageQuery;
use crate::social::read_models::people;
use crate::social::read_models::timeline::queries::Reader;
use crate::state::AppState;
use std::collections::HashSet;

/// The people whose posts and notifications `viewer` does not see: erased, muted, blocked, or
/// blocking.
pub async fn hidden_from(
    state: &AppState,
    viewer: Option<&SignedIn>,
) -> Result<HashSet<String>, AppError> {
    let generation = state.projections.generation(people::NAME);
    let viewer = viewer.map(|viewer| viewer.handle.as_str());
    Ok(people::hidden_from(state.store.db(), generation, viewer).await?)
}

/// A reader of one page of a list.
pub fn reader<'a>(
    viewer: Option<&'a SignedIn>,
    hidden: &'a HashSet<String>,
    query: &PageQuery,
) -> Result<Reader<'a>, AppError> {
    Ok(Reader {
        viewer: viewer.map(|viewer| viewer.handle.as_str()),
        hidden,
        cursor: query.cursor()?,
        limit: query.limit()?,
    })
}
