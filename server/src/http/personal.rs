//! `GET /api/me/data`: everything the log holds that a person did, their personal data opened, as
//! NDJSON to download (before they erase themselves, say). The runtime answers it for any context:
//! a person's events are the ones their commands appended (`actor` is their handle).

use super::auth::SignedIn;
use super::error::AppError;
use crate::state::AppState;
use crate::store::EventFilter;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

/// One page of the actor filter at a time.
const PAGE: usize = 1000;

pub async fn download(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    let mut body = String::new();
    let mut after = 0;
    loop {
        let filter = EventFilter {
            after: Some(after),
            limit: PAGE,
            actor: Some(me.handle.clone()),
            ..EventFilter::default()
        };
        let page = state.store.query(&filter).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        for event in &page {
            body.push_str(&serde_json::to_string(event).map_err(anyhow::Error::from)?);
            body.push('\n');
        }
        if page.len() < PAGE {
            break;
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
