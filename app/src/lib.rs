//! Agora's user interface: server-rendered by the `server` crate (feature `ssr`), then hydrated in
//! the browser (feature `hydrate`), plus the wire types both sides share.

pub mod components;
pub mod data;
pub mod live;
pub mod pages;
pub mod text;
pub mod wire;

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
compile_error!(
    "build `app` with feature `ssr` (inside the server) or `hydrate` (the browser bundle)"
);

#[cfg(feature = "hydrate")]
pub mod client;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: tests wait for this marker, never sleep.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/agora.css"/>
        <Title text="Agora"/>
        <Router>
            <Routes fallback=|| view! { <main><p>"Page not found."</p></main> }>
                <Route path=path!("/") view=pages::home::HomePage/>
                <Route path=path!("/home") view=pages::home_feed::HomeFeedPage/>
                <Route path=path!("/u/:handle") view=pages::profile::ProfilePage/>
                <Route path=path!("/p/:id") view=pages::thread::ThreadPage/>
                <Route path=path!("/p/:id/history") view=pages::history::HistoryPage/>
                <Route path=path!("/t/:tag") view=pages::tag::TagPage/>
                <Route path=path!("/search") view=pages::search::SearchPage/>
                <Route path=path!("/notifications") view=pages::notifications::NotificationsPage/>
                <Route path=path!("/settings") view=pages::settings::SettingsPage/>
                <Route path=path!("/wallet") view=pages::wallet::WalletPage/>
                <Route path=path!("/wallet/why") view=pages::wallet_why::WalletWhyPage/>
                <Route path=path!("/wallet/statements/:year") view=pages::wallet_statement::WalletStatementPage/>
                // Async: the whole page waits for the session check, so a refusal can answer 403.
                <Route path=path!("/admin") view=pages::admin_events::AdminEventsPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/projections") view=pages::admin_projections::AdminProjectionsPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/causation/:id") view=pages::admin_causation::AdminCausationPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/streams/:stream") view=pages::admin_stream::AdminStreamPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
