//! The HTTP surface: the contract's routes (plain axum handlers), `/ws`, and the Leptos pages.

pub mod auth;
mod causation;
mod commands;
pub mod error;
mod events;
mod metrics;
pub mod openapi;
mod personal;
pub mod queries;
mod source;
mod streams;

pub use queries::DEFAULT_LIMIT as PAGE_SIZE;

use crate::live;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use error::AppError;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The whole application: API, live socket, pages and static files. Testable with `oneshot`.
/// Connections waiting to be accepted: tokio's default of 128 makes a reconnect storm of
/// thousands of sockets wait seconds in SYN retries.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` with a backlog fit for reconnect storms.
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = match addr {
        std::net::SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

pub fn app(state: AppState) -> Router {
    let (api, api_description) = api_routes(&state).split_for_parts();
    let (root, root_description) = OpenApiRouter::new()
        .routes(routes!(live::websocket))
        .routes(routes!(healthz))
        .routes(routes!(ready))
        .routes(routes!(metrics::prometheus))
        .split_for_parts();
    let commands = state.registry.command_handlers();
    let description = openapi::Description::new(
        root_description.nest("/api", api_description),
        commands.iter().map(|handler| handler.schema()).collect(),
    );
    let api = api
        .merge(description.routes())
        .fallback(|| async { AppError::NotFound("no such API route".into()) })
        .layer(middleware::from_fn(same_origin_writes));

    let routes = generate_route_list(app::App);
    // Pages read through the very routes the browser calls, answered in-process.
    let pages_api = Router::new()
        .nest("/api", api.clone())
        .with_state(state.clone());
    let backend = crate::pages::backend(&state, pages_api);
    // The site's files through `ServeDir`, which answers `If-Modified-Since` with 304: with
    // `no-cache` below, a browser keeps them and asks before each use.
    let options = &state.leptos_options;
    let pkg = format!("{}/{}", options.site_root, options.site_pkg_dir);
    Router::new()
        .nest_service("/pkg", tower_http::services::ServeDir::new(pkg))
        .nest("/api", api)
        .merge(root)
        .leptos_routes_with_context(&state, routes, move || provide_context(backend.clone()), {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(middleware::from_fn(revalidate_site_files))
        // Brotli or gzip, as the browser accepts: the hydrate bundle is a megabyte raw.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

/// The runtime's routes and every context's, each with its description (`#[utoipa::path]`).
fn api_routes(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::signout))
        .routes(routes!(auth::me))
        .routes(routes!(personal::download))
        .routes(routes!(commands::submit))
        .routes(routes!(events::ndjson))
        .routes(routes!(source::live_feed))
        .routes(routes!(source::subscription))
        .routes(routes!(source::list_subscriptions))
        .routes(routes!(source::retry_subscription_parked))
        .routes(routes!(source::issue_token))
        .routes(routes!(events::browse))
        .routes(routes!(events::one))
        .routes(routes!(streams::at_version))
        .routes(routes!(causation::tree))
        .routes(routes!(events::projections))
        .routes(routes!(events::rebuild))
        .routes(routes!(events::retry_parked))
        .routes(routes!(events::policies))
        .routes(routes!(events::retry_policy_parked))
        .merge(state.registry.context_routes())
}

/// The site's files keep their names across releases (`/pkg/agora.wasm`), so a browser may keep
/// them but must ask whether they changed (answered 304 from their modification time) before use.
async fn revalidate_site_files(request: Request, next: Next) -> Response {
    let site_file =
        request.uri().path().starts_with("/pkg/") || request.uri().path() == "/favicon.ico";
    let mut response = next.run(request).await;
    if site_file && response.status().is_success() {
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-cache"),
        );
    }
    response
}

/// Refuses browser writes from another site (CSRF): an `Origin` must name this server's host.
async fn same_origin_writes(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        let headers = request.headers();
        if let Some(origin) = headers.get(ORIGIN) {
            let origin_host = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, host)| host);
            let host = headers.get(HOST).and_then(|h| h.to_str().ok());
            if origin_host.is_none() || origin_host != host {
                return AppError::Forbidden("cross-site request refused".into()).into_response();
            }
        }
    }
    next.run(request).await
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = String, example = "ok")))]
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the head and the slowest projector's position.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Object, example = json!({"head": 42, "projections": 42}))))]
async fn ready(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "head": state.store.head(),
        "projections": state.projections.min_position(),
    }))
}
