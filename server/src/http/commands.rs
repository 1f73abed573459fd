//! `POST /api/commands`: the write side's door. The command's `type` finds the context that owns it.

use super::auth::SignedIn;
use super::error::{ApiJson, AppError};
use crate::commands::Origin;
use crate::http::openapi::responses as answers;
use crate::state::AppState;
use app::wire::{CommandAnswer, CommandRequest};
use axum::extract::State;
use axum::Json;

#[utoipa::path(post, path = "/commands", tag = "commands", security(("session" = [])),
    request_body = CommandRequest,
    responses((status = 200, body = CommandAnswer), answers::Invalid, answers::Unauthorized,
        answers::Forbidden, answers::NotFound, answers::Conflict, answers::Refused))]
pub async fn submit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ApiJson(request): ApiJson<CommandRequest>,
) -> Result<Json<CommandAnswer>, AppError> {
    let origin = Origin::new(request.command_id, signed_in.actor());
    Ok(Json(
        state
            .bus
            .submit(
                origin,
                &request.command_type,
                &request.payload,
                request.expected_version,
            )
            .await?,
    ))
}
