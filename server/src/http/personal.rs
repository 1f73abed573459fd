//! `GET /api/me/data`: everything the log holds that a person did, their personal data opened, as
//! NDJSON to download (before they erase themselves, say). The runtime answers it for any context:
//! a person's events are the ones their commands appended (`actor` is their handle).

use super::auth::SignedIn;
use super::error::AppError;
use crate::http::openapi::responses as answers;
use crate::state::AppState;
use crate::store::{index, EventFilter, IndexState, MAX_TAIL};
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// One page of the actor filter at a time.
const PAGE: usize = 1000;
/// How long a download waits for the event index to come near the head.
const INDEX_WAIT: Duration = Duration::from_secs(10);

#[utoipa::path(get, path = "/me/data", tag = "auth", security(("session" = [])),
    responses(
        (status = 200, description = "Every event the person's commands appended,
        one envelope a line",
            content_type = "application/x-ndjson", body = String), answers::Unauthorized))]
pub async fn download(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    // A download must hold everything: the actor filter is complete once the event index is within
    // a readable tail of the head.
    let near = state.store.head().saturating_sub(MAX_TAIL);
    state
        .projections
        .wait_for(index::NAME, near, INDEX_WAIT)
        .await;
    let mut body = String::new();
    let mut after = 0;
    loop {
        let filter = EventFilter {
            after: Some(after),
            limit: PAGE,
            actor: Some(me.handle.clone()),
            ..EventFilter::default()
        };
        let page = state
            .store
            .query(&filter, IndexState::of(&state.projections))
            .await?;
        if page.stale {
            return Err(anyhow::anyhow!("the event index is too far behind the log").into());
        }
        for event in &page.events {
            body.push_str(&serde_json::to_string(event).map_err(anyhow::Error::from)?);
            body.push('\n');
        }
        // A full page goes on after its last event, a scan that stopped at its cap where it stopped.
        let next = match page.events.last() {
            Some(last) if page.events.len() == PAGE => Some(last.position),
            _ => page.resume,
        };
        match next {
            Some(next) => after = next,
            None => break,
        }
    }
    let attachment = format!("attachment; filename=\"agora-{}.ndjson\"", me.handle);
    Ok((
        [
            (CONTENT_TYPE, "application/x-ndjson".to_owned()),
            (CONTENT_DISPOSITION, attachment),
        ],
        body,
    )
        .into_response())
}
