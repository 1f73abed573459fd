//! The social context's HTTP routes, nested under `/api` by the runtime's router.

pub mod auth;
mod home;
mod lists;
mod notifications;
mod posts;
mod search;
mod timeline;
mod users;

use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/signup", post(auth::signup))
        .route("/auth/signin", post(auth::signin))
        .route("/me/password", post(auth::change_password))
        .route("/timeline/public", get(timeline::public_timeline))
        .route("/timeline/home", get(home::home_timeline))
        .route("/users/{handle}", get(users::profile))
        .route("/users/{handle}/posts", get(timeline::user_posts))
        .route("/tags/{tag}", get(timeline::tag))
        .route("/posts/{id}", get(posts::thread))
        .route("/posts/{id}/history", get(posts::history))
        .route("/users/{handle}/followers", get(users::followers))
        .route("/users/{handle}/following", get(users::following))
        .route("/notifications", get(notifications::list))
        .route("/search", get(search::search))
        .route("/me/muted", get(users::muted))
        .route("/me/blocked", get(users::blocked))
}
