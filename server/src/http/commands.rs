//! `POST /api/commands`: the write side's door.

use super::auth::SignedIn;
use super::error::{ApiJson, AppError};
use crate::commands::{Command, Origin};
use crate::state::AppState;
use app::wire::{CommandAnswer, CommandRequest};
use axum::extract::State;
use axum::Json;

pub async fn submit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ApiJson(request): ApiJson<CommandRequest>,
) -> Result<Json<CommandAnswer>, AppError> {
    let command =
        Command::parse(&request.command_type, &request.payload).map_err(AppError::Invalid)?;
    let origin = Origin::new(request.command_id, signed_in.actor());
    Ok(Json(
        state
            .bus
            .submit(origin, command, request.expected_version)
            .await?,
    ))
}
