//! Sign-up, sign-in and password changes: the person's events say only that they happened; the
//! password's hash goes to the credentials table, never into the log.

use crate::commands::{CommandError, Origin};
use crate::credentials::{hash_password, verify_password};
use crate::http::auth::{signed_in, with_session, SignedIn};
use crate::http::error::{ApiJson, AppError};
use crate::http::openapi::responses as answers;
use crate::social::domain::user::{self, valid_handle, User, UserCommand, RESERVED_HANDLES};
use crate::social::domain::Actor;
use crate::state::AppState;
use app::wire::{AuthAnswer, ChangePassword, CommandAnswer, SignIn, SignUp};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use uuid::Uuid;

pub const MIN_PASSWORD: usize = 8;

fn check_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AppError::Invalid(format!(
            "a password has at least {MIN_PASSWORD} characters"
        )));
    }
    Ok(())
}

/// argon2 is slow on purpose: off the async threads.
async fn hash(password: String) -> Result<String, AppError> {
    Ok(
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(anyhow::Error::from)??,
    )
}

async fn verify(hash: String, password: String) -> Result<bool, AppError> {
    Ok(
        tokio::task::spawn_blocking(move || verify_password(&hash, &password))
            .await
            .map_err(anyhow::Error::from)?,
    )
}

/// `--admin` handles become admins, as an event, the first time they sign up or in.
async fn grant_if_configured(
    state: &AppState,
    handle: &str,
    is_admin: bool,
) -> Result<(), AppError> {
    if state.admins.contains(handle) && !is_admin {
        state
            .people
            .grant_admin(&state.bus, handle, "admin-flag")
            .await?;
    }
    Ok(())
}

#[utoipa::path(post, path = "/auth/signup", tag = "auth", request_body = SignUp,
    responses(
        (status = 201, body = AuthAnswer,
        description = "Signed up and in: the session cookie is set"), answers::Invalid,
        answers::Conflict, answers::Refused))]
pub async fn signup(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<SignUp>,
) -> Result<Response, AppError> {
    if !valid_handle(&form.handle) {
        return Err(AppError::Invalid(
            "a handle is 3 to 20 characters: a-z, 0-9 and _".into(),
        ));
    }
    // Checked before the (slow) password hash; the domain refuses them too.
    if RESERVED_HANDLES.contains(&form.handle.as_str()) {
        return Err(AppError::Conflict(format!(
            "the handle @{} is reserved",
            form.handle
        )));
    }
    check_password(&form.password)?;
    let password_hash = hash(form.password).await?;
    // The hash is stored first, under a new user id: if the registration is then refused (the handle
    // is taken) the row is dropped, and a crash in between leaves only an unused row.
    let user_id = Uuid::now_v7();
    state
        .credentials
        .set_password(user_id, &password_hash)
        .await?;
    let command = UserCommand::Register {
        user_id,
        handle: form.handle.clone(),
        display_name: form.display_name,
    };
    let origin = Origin::new(Uuid::now_v7(), Actor::user(&form.handle));
    let answer = match state
        .bus
        .submit_to::<User>(
            "RegisterUser",
            user::stream(&form.handle),
            command,
            None,
            &origin,
        )
        .await
    {
        Ok(answer) => answer,
        Err(error) => {
            // Refused: nobody has this user id. A store failure may still have appended the
            // registration, so its password stays.
            if matches!(error, CommandError::Rule(_) | CommandError::Conflict { .. }) {
                state.credentials.forget_password(user_id).await?;
            }
            return Err(error.into());
        }
    };
    let person = state
        .people
        .find(&state.bus, &form.handle)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a registered user vanished"))?;
    grant_if_configured(&state, &form.handle, person.is_admin).await?;
    let body = AuthAnswer {
        user: signed_in(&state, person).user,
        position: Some(answer.position),
    };
    with_session(&state, &form.handle, StatusCode::CREATED, body).await
}

#[utoipa::path(post, path = "/auth/signin", tag = "auth", request_body = SignIn,
    responses(
        (status = 200, body = AuthAnswer, description = "Signed in: the session cookie is set"),
        answers::Invalid, answers::Unauthorized))]
pub async fn signin(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<SignIn>,
) -> Result<Response, AppError> {
    let Some(person) = state.people.find(&state.bus, &form.handle).await? else {
        return Err(AppError::Unauthorized);
    };
    let Some(hash) = state.credentials.password_hash(person.user.id).await? else {
        return Err(AppError::Unauthorized);
    };
    if !verify(hash, form.password).await? {
        return Err(AppError::Unauthorized);
    }
    grant_if_configured(&state, &form.handle, person.is_admin).await?;
    let body = AuthAnswer {
        user: signed_in(&state, person).user,
        position: None,
    };
    with_session(&state, &form.handle, StatusCode::OK, body).await
}

/// `POST /api/me/password` `{current, new}`: the command answer of `PasswordChanged`; 401 when
/// `current` is wrong, 400 for a short `new`.
#[utoipa::path(post, path = "/me/password", tag = "auth", request_body = ChangePassword,
    security(("session" = [])),
    responses((status = 200, body = CommandAnswer), answers::Invalid, answers::Unauthorized,
        answers::Refused))]
pub async fn change_password(
    State(state): State<AppState>,
    me: SignedIn,
    ApiJson(form): ApiJson<ChangePassword>,
) -> Result<Response, AppError> {
    check_password(&form.new)?;
    let stored = state.credentials.password_hash(me.user.id).await?;
    let Some(stored) = stored else {
        return Err(AppError::Unauthorized);
    };
    if !verify(stored, form.current).await? {
        return Err(AppError::Unauthorized);
    }
    let new_hash = hash(form.new).await?;
    state
        .credentials
        .set_password(me.user.id, &new_hash)
        .await?;
    let origin = Origin::new(Uuid::now_v7(), me.actor());
    let answer = state
        .bus
        .submit_to::<User>(
            "ChangePassword",
            user::stream(&me.handle),
            UserCommand::ChangePassword,
            None,
            &origin,
        )
        .await?;
    Ok((StatusCode::OK, Json(answer)).into_response())
}
