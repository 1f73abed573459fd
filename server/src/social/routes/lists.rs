//! What every list query of the social context shares: the viewer, and the people they do not see.

use crate::http::auth::SignedIn;
use crate::http::error::AppError;
use crate::http::queries::{consistent, PageQuery};
use crate::social::read_models::people;
use crate::social::read_models::timeline::queries::Reader;
use crate::state::AppState;
use std::collections::HashSet;

/// The people a viewer does not see, read from the people read model at a position.
pub struct Hidden {
    pub people: HashSet<String>,
    position: u64,
    stale: bool,
}

impl Hidden {
    /// A list's own consistency joined with the people read model's: the list is only as recent
    /// as the older of the two, and stale when either did not reach `min_position`.
    pub fn join(&self, (position, stale): (u64, bool)) -> (u64, bool) {
        (position.min(self.position), stale || self.stale)
    }

    pub fn contains(&self, handle: &str) -> bool {
        self.people.contains(handle)
    }
}

/// The people whose posts and notifications `viewer` does not see: erased, muted, blocked, or
/// blocking. Waits for the query's `min_position` like the list itself, or a page read right
/// after a Mute would still show the muted person: the people read model is a projector of its
/// own and may be behind the list's.
pub async fn hidden_from(
    state: &AppState,
    viewer: Option<&SignedIn>,
    query: &PageQuery,
) -> Result<Hidden, AppError> {
    let (position, stale) = consistent(state, people::NAME, query).await;
    let generation = state.projections.generation(people::NAME);
    let viewer = viewer.map(|viewer| viewer.handle.as_str());
    let people = people::hidden_from(state.store.db(), generation, viewer).await?;
    Ok(Hidden {
        people,
        position,
        stale,
    })
}

/// A reader of one page of a list.
pub fn reader<'a>(
    viewer: Option<&'a SignedIn>,
    hidden: &'a Hidden,
    query: &PageQuery,
) -> Result<Reader<'a>, AppError> {
    Ok(Reader {
        viewer: viewer.map(|viewer| viewer.handle.as_str()),
        hidden: &hidden.people,
        cursor: query.cursor()?,
        limit: query.limit()?,
    })
}
