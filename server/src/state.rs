//! Everything a request handler may need, built once at start.

use crate::commands::CommandBus;
use crate::credentials::Credentials;
use crate::live::journal::Journal;
use crate::live::revocations::Revocations;
use crate::live::Hub;
use crate::people::People;
use crate::policies::Policies;
use crate::projections::Projections;
use crate::registry::Registry;
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
    /// Every change pushed, kept for resumes older than the hub's ring.
    pub journal: Journal,
    /// Sessions and people whose private topics end now.
    pub revocations: Revocations,
    /// Password hashes, sessions and machine tokens: secrets, kept outside the event log.
    pub credentials: Credentials,
    /// Who people are: the context that registered it answers.
    pub people: Arc<dyn People>,
    /// What the contexts registered (time travel finds aggregates here).
    pub registry: Arc<Registry>,
    /// Handles made admins when they sign in (`--admin`).
    pub admins: Arc<HashSet<String>>,
}

impl AppState {
    /// The admin's dashboard rows, as the live topic `admin:projections` pushes them.
    pub fn dashboard(&self) -> crate::live::Dashboard {
        crate::live::Dashboard {
            projections: self.projections.clone(),
            policies: self.policies.clone(),
            store: self.store.clone(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
