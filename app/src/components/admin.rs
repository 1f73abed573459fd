//! The admin console's frame: the gate (403 for anyone but admins), the navigation, and loading
//! JSON from the admin API into a signal once the page has hydrated.

use crate::data::load_me;
use crate::wire::PersonalMark;
use leptos::prelude::*;
use serde::de::DeserializeOwned;

/// Renders its children for admins; anyone else gets a 403 page (and status, when server-rendered).
#[component]
pub fn AdminGate(children: ChildrenFn) -> impl IntoView {
    let me = Resource::new(|| (), |_| load_me());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Some(me) if me.is_admin => view! {
                        <header class="site-header">
                            <h1><a href="/">"Agora"</a>" admin"</h1>
                            <nav class="admin-nav">
                                <a href="/admin">"Events"</a>
                                <a href="/admin/projections">"Projectors"</a>
                                // Served by the server, not a page of the app: the router must not take it.
                                <a href="/api/docs" rel="external">"API"</a>
                            </nav>
                            <span class="signed-in">"@"{me.user.handle}</span>
                        </header>
                        <main class="admin">{children.read_value()()}</main>
                    }
                    .into_any(),
                    _ => {
                        forbid();
                        view! {
                            <main class="admin forbidden">
                                <h1>"403 — admins only"</h1>
                                <p><a href="/">"Back to Agora"</a></p>
                            </main>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn forbid() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
}

/// What a fetch into a signal has produced so far.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// Fetches `url` into `target` (in the browser; on the server the page renders "Loading…").
pub fn fetch_into<T: DeserializeOwned + Send + Sync + 'static>(
    url: String,
    target: RwSignal<Loaded<T>>,
) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        target.set(match crate::client::get::<T>(&url).await {
            Ok(value) => Loaded::Ready(value),
            Err(failure) => Loaded::Failed(failure.message),
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, target);
}

/// Pretty JSON for people.
pub fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Which fields of an event are personal data, and whether their person was erased: then those
/// fields are gone from the payload for good, and the admin sees why.
#[component]
pub fn PersonalBadge(personal: Option<PersonalMark>) -> impl IntoView {
    personal.map(|mark| {
        view! {
            " "<span class="personal">"personal: "{mark.fields.join(", ")}</span>
            {mark.erased.then(|| view! { " "<span class="erased" data-testid="personal-erased">"erased"</span> })}
        }
    })
}
