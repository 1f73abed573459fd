//! Sessions, sign-out, `GET /api/me`, and the extractors that tell who is asking. Sign-up and sign-in
//! belong to the context that owns people (`crate::social::routes::auth`).

use super::error::AppError;
use crate::aggregate::Actor;
use crate::credentials::{cookie, token_from_cookies};
use crate::http::openapi::responses as answers;
use crate::people::Person;
use crate::state::AppState;
use app::wire::{Me, User as WireUser};
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// A signed-in person, as the server knows them for this request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: WireUser,
    pub handle: String,
    pub is_admin: bool,
}

impl SignedIn {
    pub fn actor(&self) -> Actor {
        Actor {
            handle: self.handle.clone(),
            is_admin: self.is_admin,
        }
    }
}

/// Whoever asks: signed in or not.
pub struct Viewer(pub Option<SignedIn>);

/// An admin (403 for anyone else, 401 without a session).
pub struct Admin(pub SignedIn);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match session_token(&parts.headers) {
            Some(token) => Ok(Viewer(by_session(state, &token).await?)),
            None => Ok(Viewer(None)),
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Viewer::from_request_parts(parts, state)
            .await?
            .0
            .ok_or(AppError::Unauthorized)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        if !signed_in.is_admin {
            return Err(AppError::Forbidden("admins only".into()));
        }
        Ok(Admin(signed_in))
    }
}

/// A reader of the store as a data source: an admin's session or a machine client's bearer token.
pub struct SourceReader;

impl FromRequestParts<AppState> for SourceReader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        match bearer {
            Some(token) if state.credentials.machine(token.trim()).await?.is_some() => {
                Ok(SourceReader)
            }
            Some(_) => Err(AppError::Unauthorized),
            None => Admin::from_request_parts(parts, state)
                .await
                .map(|_| SourceReader),
        }
    }
}

pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| token_from_cookies(value).map(str::to_owned))
}

/// The person holding a session token, if the session and the person exist.
pub async fn by_session(state: &AppState, token: &str) -> Result<Option<SignedIn>, AppError> {
    let Some(handle) = state.credentials.handle(token).await? else {
        return Ok(None);
    };
    Ok(state
        .people
        .find(&state.bus, &handle)
        .await?
        .map(|person| signed_in(state, person)))
}

/// The person as this request knows them: `--admin` handles are admins whatever the log says.
pub fn signed_in(state: &AppState, person: Person) -> SignedIn {
    SignedIn {
        is_admin: person.is_admin || state.admins.contains(&person.user.handle),
        handle: person.user.handle.clone(),
        user: person.user,
    }
}

/// Answers `body` with a new session cookie for `handle` (sign-up and sign-in).
pub async fn with_session(
    state: &AppState,
    handle: &str,
    status: StatusCode,
    body: impl serde::Serialize,
) -> Result<Response, AppError> {
    let token = state.credentials.create(handle).await?;
    Ok((status, [(SET_COOKIE, cookie(&token))], Json(body)).into_response())
}

#[utoipa::path(post, path = "/auth/signout", tag = "auth",
    security((), ("session" = [])),
    responses((status = 204, description = "Signed out; the session cookie is cleared")))]
pub async fn signout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(token) = session_token(&headers) {
        state.credentials.delete(&token).await?;
        // Its open sockets lose their private topics now, not at their next reconnect.
        state
            .revocations
            .revoke(crate::live::revocations::Revoked::Session(token));
    }
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie(""))]).into_response())
}

#[utoipa::path(get, path = "/me", tag = "auth", security(("session" = [])),
    responses((status = 200, body = Me), answers::Unauthorized))]
pub async fn me(signed_in: SignedIn) -> Json<Me> {
    Json(Me {
        user: signed_in.user,
        is_admin: signed_in.is_admin,
    })
}
