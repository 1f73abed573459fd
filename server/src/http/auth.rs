//! Sign-up, sign-in, sign-out, `GET /api/me`, and the extractors that tell who is asking.

use super::error::{ApiJson, AppError};
use crate::commands::{Command, Origin};
use crate::domain::user::{self, valid_handle, Profile, User};
use crate::domain::Actor;
use crate::sessions::{cookie, hash_password, token_from_cookies, verify_password};
use crate::state::AppState;
use app::wire::{AuthAnswer, Me, SignIn, SignUp, User as WireUser};
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use uuid::Uuid;

pub const MIN_PASSWORD: usize = 8;

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
            Some(token) if state.sessions.machine(token.trim()).await?.is_some() => {
                Ok(SourceReader)
            }
            Some(_) => Err(AppError::Unauthorized),
            None => Admin::from_request_parts(parts, state)
                .await
                .map(|_| SourceReader),
        }
    }
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| token_from_cookies(value).map(str::to_owned))
}

/// The person holding a session token, if the session and the user exist.
pub async fn by_session(state: &AppState, token: &str) -> Result<Option<SignedIn>, AppError> {
    let Some(handle) = state.sessions.handle(token).await? else {
        return Ok(None);
    };
    Ok(profile(state, &handle)
        .await?
        .map(|profile| signed_in(state, profile)))
}

/// A user's profile from the write model (so a sign-up is visible to sign-in at once).
async fn profile(state: &AppState, handle: &str) -> Result<Option<Profile>, AppError> {
    if !valid_handle(handle) {
        return Ok(None);
    }
    Ok(state
        .bus
        .load::<User>(&user::stream(handle))
        .await?
        .0
        .registered)
}

fn signed_in(state: &AppState, profile: Profile) -> SignedIn {
    SignedIn {
        is_admin: profile.is_admin || state.admins.contains(&profile.handle),
        user: WireUser {
            id: profile.user_id,
            handle: profile.handle.clone(),
            display_name: profile.display_name,
        },
        handle: profile.handle,
    }
}

/// `--admin` handles become admins, as an event, the first time they sign up or in.
async fn grant_if_configured(state: &AppState, profile: &Profile) -> Result<(), AppError> {
    if state.admins.contains(&profile.handle) && !profile.is_admin {
        state.bus.grant_admin(&profile.handle, "admin-flag").await?;
    }
    Ok(())
}

async fn with_session(
    state: &AppState,
    handle: &str,
    status: StatusCode,
    body: AuthAnswer,
) -> Result<Response, AppError> {
    let token = state.sessions.create(handle).await?;
    Ok((status, [(SET_COOKIE, cookie(&token))], Json(body)).into_response())
}

pub async fn signup(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<SignUp>,
) -> Result<Response, AppError> {
    if !valid_handle(&form.handle) {
        return Err(AppError::Invalid(
            "a handle is 3 to 20 characters: a-z, 0-9 and _".into(),
        ));
    }
    if form.password.chars().count() < MIN_PASSWORD {
        return Err(AppError::Invalid(format!(
            "a password has at least {MIN_PASSWORD} characters"
        )));
    }
    let password = form.password;
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(anyhow::Error::from)??;
    let command = Command::RegisterUser {
        user_id: Uuid::now_v7(),
        handle: form.handle.clone(),
        display_name: form.display_name,
        password_hash,
    };
    let origin = Origin::new(Uuid::now_v7(), Actor::user(&form.handle));
    let answer = state.bus.submit(origin, command, None).await?;
    let profile = profile(&state, &form.handle)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a registered user vanished"))?;
    grant_if_configured(&state, &profile).await?;
    let user = signed_in(&state, profile).user;
    let body = AuthAnswer {
        user,
        position: Some(answer.position),
    };
    with_session(&state, &form.handle, StatusCode::CREATED, body).await
}

pub async fn signin(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<SignIn>,
) -> Result<Response, AppError> {
    let Some(profile) = profile(&state, &form.handle).await? else {
        return Err(AppError::Unauthorized);
    };
    let (hash, password) = (profile.password_hash.clone(), form.password);
    let verified = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .map_err(anyhow::Error::from)?;
    if !verified {
        return Err(AppError::Unauthorized);
    }
    grant_if_configured(&state, &profile).await?;
    let user = signed_in(&state, profile).user;
    with_session(
        &state,
        &form.handle,
        StatusCode::OK,
        AuthAnswer {
            user,
            position: None,
        },
    )
    .await
}

pub async fn signout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(token) = session_token(&headers) {
        state.sessions.delete(&token).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie(""))]).into_response())
}

pub async fn me(signed_in: SignedIn) -> Json<Me> {
    Json(Me {
        user: signed_in.user,
        is_admin: signed_in.is_admin,
    })
}
