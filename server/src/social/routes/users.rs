//! `GET /api/users/{handle}` with `/followers` and `/following`, and `GET /api/me/muted|blocked`.

use crate::http::auth::{SignedIn, Viewer};
use crate::http::error::{ApiPath, ApiQuery, AppError};
use crate::http::openapi::responses as answers;
use crate::http::queries::{consistent, PageQuery};
use crate::social::domain::user::valid_handle;
use crate::social::read_models::people::{self, List};
use crate::state::AppState;
use app::wire::{Page, Profile, UserSummary};
use axum::extract::State;
use axum::Json;

/// A profile answer: the contract's fields, and the read model's position.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ProfileAnswer {
    #[serde(flatten)]
    pub profile: Profile,
    pub position: u64,
    pub stale: bool,
}

fn checked(handle: &str) -> Result<(), AppError> {
    if valid_handle(handle) {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("no user @{handle}")))
    }
}

#[utoipa::path(get, path = "/users/{handle}", tag = "social", params(("handle" = String, Path,
    description = "A person's handle"), PageQuery), security((), ("session" = [])),
    responses((status = 200, body = ProfileAnswer), answers::Invalid, answers::NotFound))]
pub async fn profile(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    ApiPath(handle): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<ProfileAnswer>, AppError> {
    checked(&handle)?;
    let (position, stale) = consistent(&state, &[people::NAME], &query).await;
    let generation = state.projections.generation(people::NAME);
    let viewer = viewer.as_ref().map(|v| v.handle.as_str());
    let profile = match people::profile(state.store.db(), generation, &handle, viewer).await? {
        people::Person::Known(profile) => profile,
        people::Person::Erased => return Err(AppError::NotFound(format!("@{handle} was erased"))),
        people::Person::Unknown => return Err(AppError::NotFound(format!("no user @{handle}"))),
    };
    Ok(Json(ProfileAnswer {
        profile,
        position,
        stale,
    }))
}

async fn list(
    state: &AppState,
    handle: &str,
    which: List,
    query: &PageQuery,
) -> Result<Json<Page<UserSummary>>, AppError> {
    checked(handle)?;
    let limit = query.limit()?;
    let cursor = query.cursor.as_deref();
    if cursor.is_some_and(|cursor| !valid_handle(cursor)) {
        return Err(AppError::Invalid(
            "the cursor is not one this API gave".into(),
        ));
    }
    let (position, stale) = consistent(state, &[people::NAME], query).await;
    let generation = state.projections.generation(people::NAME);
    let db = state.store.db();
    let mut page = people::list(db, generation, handle, which, cursor, limit, position).await?;
    page.stale = stale;
    Ok(Json(page))
}

#[utoipa::path(get, path = "/users/{handle}/followers", tag = "social",
    params(("handle" = String, Path, description = "A person's handle"), PageQuery), security((),
    ("session" = [])),
    responses((status = 200, body = Page<UserSummary>), answers::Invalid, answers::NotFound))]
pub async fn followers(
    State(state): State<AppState>,
    ApiPath(handle): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<UserSummary>>, AppError> {
    list(&state, &handle, List::Followers, &query).await
}

#[utoipa::path(get, path = "/users/{handle}/following", tag = "social",
    params(("handle" = String, Path, description = "A person's handle"), PageQuery), security((),
    ("session" = [])),
    responses((status = 200, body = Page<UserSummary>), answers::Invalid, answers::NotFound))]
pub async fn following(
    State(state): State<AppState>,
    ApiPath(handle): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<UserSummary>>, AppError> {
    list(&state, &handle, List::Following, &query).await
}

#[utoipa::path(get, path = "/me/muted", tag = "social", params(PageQuery),
    security(("session" = [])),
    responses((status = 200, body = Page<UserSummary>), answers::Invalid, answers::Unauthorized))]
pub async fn muted(
    State(state): State<AppState>,
    me: SignedIn,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<UserSummary>>, AppError> {
    list(&state, &me.handle, List::Muted, &query).await
}

#[utoipa::path(get, path = "/me/blocked", tag = "social", params(PageQuery),
    security(("session" = [])),
    responses((status = 200, body = Page<UserSummary>), answers::Invalid, answers::Unauthorized))]
pub async fn blocked(
    State(state): State<AppState>,
    me: SignedIn,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<UserSummary>>, AppError> {
    list(&state, &me.handle, List::Blocked, &query).await
}
