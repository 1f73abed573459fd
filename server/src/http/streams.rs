//! `GET /api/admin/streams/{stream}?version=N`: an aggregate as it was at version N (time travel),
//! with the events that made it so.

use super::auth::Admin;
use super::error::{ApiPath, ApiQuery, AppError};
use crate::http::openapi::responses as answers;
use crate::state::AppState;
use app::wire::{Envelope, StreamAt};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    pub version: Option<u64>,
}

#[utoipa::path(get, path = "/admin/streams/{stream}", tag = "admin",
    params(("stream" = String, Path, description = "A stream's name"), VersionQuery),
    security(("session" = [])),
    responses((status = 200, body = StreamAt), answers::Invalid, answers::Unauthorized,
        answers::Forbidden, answers::NotFound))]
pub async fn at_version(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(stream): ApiPath<String>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<Json<StreamAt>, AppError> {
    let all = state.store.read_stream(&stream, 0).await?;
    let latest = all.last().map_or(0, |e| e.version);
    if latest == 0 {
        return Err(AppError::NotFound(format!("no stream named {stream}")));
    }
    let version = query.version.unwrap_or(latest);
    if version > latest {
        return Err(AppError::NotFound(format!(
            "{stream} has {latest} versions"
        )));
    }
    let events: Vec<Envelope> = all
        .into_iter()
        .take_while(|e| e.version <= version)
        .collect();
    // The aggregate is found through the contexts' registration; an unknown stream shows no state.
    let folded = match state.registry.state_of_stream(&stream, &events) {
        Some(folded) => folded.map_err(|e| anyhow::anyhow!("{stream} does not fold: {e}"))?,
        None => Value::Null,
    };
    Ok(Json(StreamAt {
        stream,
        version,
        latest,
        state: folded,
        events,
    }))
}
