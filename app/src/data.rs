//! Loading a page's first data, the same call on both sides: on the server it asks the server's
//! read side directly (through [`Backend`], which the server provides as context); in the browser it
//! calls the HTTP API. Resources serialise the server's answer into the page, so hydration does not
//! fetch again.

use crate::wire::{Me, Page, Post};
use std::future::Future;

#[cfg(feature = "ssr")]
pub use server_side::{Backend, BackendHandle, BoxFuture};

#[cfg(feature = "ssr")]
mod server_side {
    use crate::wire::Me;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;

    pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

    /// What pages need of the server while rendering. The server implements it.
    pub trait Backend: Send + Sync + 'static {
        /// The signed-in user of the request whose `Cookie` header this is.
        fn me(&self, cookie_header: Option<String>) -> BoxFuture<Option<Me>>;
        /// `GET path` of the API as this request's person, answered in-process by the same
        /// handlers the browser reaches over HTTP: the body on success, the contract's message if not.
        fn get(
            &self,
            path: String,
            cookie_header: Option<String>,
        ) -> BoxFuture<Result<String, String>>;
    }

    #[derive(Clone)]
    pub struct BackendHandle(pub Arc<dyn Backend>);

    pub fn backend() -> Option<BackendHandle> {
        leptos::prelude::use_context::<BackendHandle>()
    }

    pub fn cookie_header() -> Option<String> {
        let parts = leptos::prelude::use_context::<http::request::Parts>()?;
        let cookie = parts.headers.get(http::header::COOKIE)?;
        cookie.to_str().ok().map(str::to_owned)
    }
}

/// The signed-in user, or `None`.
pub fn load_me() -> impl Future<Output = Option<Me>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        let (backend, cookie) = (server_side::backend(), server_side::cookie_header());
        async move {
            match backend {
                Some(backend) => backend.0.me(cookie).await,
                None => None,
            }
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser(async { crate::client::get::<Me>("/api/me").await.ok() })
    }
}

/// The first page of the public timeline, as the page's person sees it (without whom they muted).
pub fn load_public_timeline() -> impl Future<Output = Result<Page<Post>, String>> + Send + 'static {
    load("/api/timeline/public".to_owned())
}

/// Any query of the API, as the page's person: on the server answered in-process by the API's own
/// handlers (so a page shows exactly what the API answers), in the browser fetched at least as new
/// as the tab's latest accepted command (a page opened after an action shows it).
pub fn load<T>(path: String) -> impl Future<Output = Result<T, String>> + Send + 'static
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    #[cfg(feature = "ssr")]
    {
        let (backend, cookie) = (server_side::backend(), server_side::cookie_header());
        async move {
            let backend = backend.ok_or_else(|| "no backend".to_owned())?;
            let body = backend.0.get(path, cookie).await?;
            serde_json::from_str(&body).map_err(|e| e.to_string())
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser(async move {
            let url = crate::client::read_your_writes(&path);
            crate::client::get::<T>(&url).await.map_err(|e| e.message)
        })
    }
}

/// Browser futures are not `Send`; a page's thread is the only one there is, so this is sound.
#[cfg(not(feature = "ssr"))]
fn browser<T>(
    future: impl Future<Output = T> + 'static,
) -> impl Future<Output = T> + Send + 'static {
    send_wrapper::SendWrapper::new(future)
}
