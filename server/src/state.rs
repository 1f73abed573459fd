//! Everything a request handler may need, built once at start.

use crate::commands::CommandBus;
use crate::live::Hub;
use crate::policies::Policies;
use crate::projections::Projections;
use crate::sessions::Sessions;
use crate::store::Store;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub bus: CommandBus,
    pub projections: Projections,
    pub policies: Policies,
    pub hub: Hub,
    pub sessions: Sessions,
    /// Handles made admins when they sign in (`--admin`).
    pub admins: Arc<HashSet<String>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
