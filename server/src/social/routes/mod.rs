//! The social context's HTTP routes, nested under `/api` by the runtime's router.

pub mod auth;
mod home;
mod lists;
mod notifications;
mod posts;
mod search;
mod timeline;
mod users;

use crate::social::read_models::search::finds as search_finds;
use crate::state::AppState;
use axum::Extension;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Each route with its description (`#[utoipa::path]` on the handler); one memo of search finds for
/// the app these routes serve.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::signup))
        .routes(routes!(auth::signin))
        .routes(routes!(auth::change_password))
        .routes(routes!(timeline::public_timeline))
        .routes(routes!(home::home_timeline))
        .routes(routes!(users::profile))
        .routes(routes!(timeline::user_posts))
        .routes(routes!(timeline::tag))
        .routes(routes!(posts::thread))
        .routes(routes!(posts::history))
        .routes(routes!(users::followers))
        .routes(routes!(users::following))
        .routes(routes!(notifications::list))
        .routes(routes!(search::search))
        .routes(routes!(users::muted))
        .routes(routes!(users::blocked))
        .layer(Extension(Arc::new(search_finds())))
}
