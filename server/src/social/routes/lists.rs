//! What every list query of the social context shares: the viewer, and the people they do not see.

use crate::http::auth::SignedIn;
use crate::http::error::AppError;
use crate::http::queries::{consistent, PageQuery};
use crate::social::read_models::people;
use crate::social::read_models::timeline::queries::Reader;
use crate::state::AppState;
use std::collections::HashSet;

/// What one page of a list is read at: the people its viewer does not see, and how recent the
/// read models it reads are.
pub struct ListAt {
    pub hidden: HashSet<String>,
    /// The position of the least recent read model the page reads.
    pub position: u64,
    /// Whether any of them had not reached the query's `min_position` when the wait ran out.
    pub stale: bool,
}

/// Waits for `projectors` and the people read model together to reach the query's `min_position`,
/// then reads the people whose posts and notifications `viewer` does not see (erased, muted,
/// blocked, or blocking). The people read model is a projector of its own and may be behind the
/// list's: without waiting for it a page read right after a Mute would still show the muted
/// person. Naming it here, once, keeps every list from forgetting it.
pub async fn list_at(
    state: &AppState,
    viewer: Option<&SignedIn>,
    query: &PageQuery,
    projectors: &[&str],
) -> Result<ListAt, AppError> {
    let read: Vec<&str> = std::iter::once(people::NAME)
        .chain(projectors.iter().copied())
        .collect();
    let (position, stale) = consistent(state, &read, query).await;
    let generation = state.projections.generation(people::NAME);
    let viewer = viewer.map(|viewer| viewer.handle.as_str());
    let hidden = people::hidden_from(state.store.db(), generation, viewer).await?;
    Ok(ListAt {
        hidden,
        position,
        stale,
    })
}

/// A reader of one page of a list.
pub fn reader<'a>(
    viewer: Option<&'a SignedIn>,
    at: &'a ListAt,
    query: &PageQuery,
) -> Result<Reader<'a>, AppError> {
    Ok(Reader {
        viewer: viewer.map(|viewer| viewer.handle.as_str()),
        hidden: &at.hidden,
        cursor: query.cursor()?,
        limit: query.limit()?,
    })
}
