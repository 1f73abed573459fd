//! What the server-rendered pages read: the same read side the API answers from.

use crate::http::auth::by_session;
use crate::projections::timeline;
use crate::sessions::token_from_cookies;
use crate::state::AppState;
use app::data::{Backend, BackendHandle, BoxFuture};
use app::wire::{Me, Page, Post};
use std::sync::Arc;

struct PageBackend {
    state: AppState,
}

pub fn backend(state: &AppState) -> BackendHandle {
    BackendHandle(Arc::new(PageBackend {
        state: state.clone(),
    }))
}

impl Backend for PageBackend {
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

    fn public_timeline(&self) -> BoxFuture<Result<Page<Post>, String>> {
        let state = self.state.clone();
        Box::pin(async move {
            let position = state.projections.position(timeline::NAME);
            timeline::public(
                state.store.db(),
                state.projections.generation(timeline::NAME),
                None,
                crate::http::PAGE_SIZE,
                position,
            )
            .await
            .map_err(|error| {
                tracing::error!(
                    error = format!("{error:#}"),
                    "rendering the timeline failed"
                );
                "The timeline cannot be read right now.".to_owned()
            })
        })
    }
}
