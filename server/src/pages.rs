//! What the server-rendered pages read: the same read side the API answers from.

use crate::credentials::token_from_cookies;
use crate::http::auth::by_session;
use crate::state::AppState;
use app::data::{Backend, BackendHandle, BoxFuture};
use app::wire::Me;
use std::sync::Arc;

struct PageBackend {
    state: AppState,
    /// The API's routes, answering pages in-process.
    api: axum::Router,
}

/// How much of an API answer a page reads.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

pub fn backend(state: &AppState, api: axum::Router) -> BackendHandle {
    BackendHandle(Arc::new(PageBackend {
        state: state.clone(),
        api,
    }))
}

impl Backend for PageBackend {
    fn get(
        &self,
        path: String,
        cookie_header: Option<String>,
    ) -> BoxFuture<Result<String, String>> {
        use tower::ServiceExt;
        let api = self.api.clone();
        Box::pin(async move {
            let mut request = axum::http::Request::get(&path);
            if let Some(cookie) = cookie_header {
                request = request.header(axum::http::header::COOKIE, cookie);
            }
            let request = request
                .body(axum::body::Body::empty())
                .map_err(|e| e.to_string())?;
            let response = api.oneshot(request).await.map_err(|e| e.to_string())?;
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), MAX_ANSWER)
                .await
                .map_err(|e| e.to_string())?;
            let text = String::from_utf8_lossy(&body).into_owned();
            if status.is_success() {
                return Ok(text);
            }
            let message = serde_json::from_str::<app::wire::ErrorBody>(&text)
                .map(|body| body.error.message)
                .unwrap_or_else(|_| format!("the server answered {status}"));
            Err(message)
        })
    }

    fn me(&self, cookie_header: Option<String>) -> BoxFuture<Option<Me>> {
        let state = self.state.clone();
        Box::pin(async move {
            let token = token_from_cookies(cookie_header.as_deref()?)?.to_owned();
            let user = by_session(&state, &token).await.ok()??;
            Some(Me {
                user: user.user,
                is_admin: user.is_admin,
            })
        })
    }
}
