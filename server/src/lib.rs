//! Agora's server: an event-sourced social network.
//!
//! Write side: `http` → `commands` (load, `domain::decide`, append) → `store`.
//! Read side: `store` subscription → `projections` (read models) → `http` queries and `live` topics.
//! `policies` turn events into new commands. `db` opens SurrealDB; `cli` is the `agora` binary.

pub mod bench;
pub mod cli;
pub mod commands;
pub mod db;
pub mod dedicated;
pub mod deliveries;
pub mod domain;
pub mod http;
pub mod live;
pub mod metrics;
pub mod ops;
pub mod pages;
pub mod policies;
pub mod projections;
pub mod sessions;
pub mod state;
pub mod store;

use leptos::prelude::LeptosOptions;
use state::AppState;
use std::sync::Arc;

/// Opens the database at `db_url` and starts the store, projectors and policies.
pub async fn start(
    db_url: &str,
    admins: Vec<String>,
    leptos_options: LeptosOptions,
) -> anyhow::Result<AppState> {
    let db = db::connect(db_url).await?;
    start_on(db, admins, leptos_options).await
}

/// The same on an open database handle (tests share one `mem://` handle between instances).
pub async fn start_on(
    db: db::Db,
    admins: Vec<String>,
    leptos_options: LeptosOptions,
) -> anyhow::Result<AppState> {
    let store = store::Store::open(db.clone()).await?;
    let sessions = sessions::Sessions::open(db).await?;
    // Changes before this start cannot be replayed to resuming subscribers: they are told to resync.
    let hub = live::Hub::new(store.head());
    let projections =
        projections::Projections::start(&store, hub.clone(), projections::all()).await?;
    let bus = commands::CommandBus::new(store.clone());
    let policies = policies::Policies::start(
        bus.clone(),
        vec![Arc::new(policies::moderation::Moderation)],
    )
    .await?;
    tokio::spawn(live::feed_events(store.clone(), hub.clone()));
    Ok(AppState {
        leptos_options,
        store,
        bus,
        projections,
        policies,
        hub,
        sessions,
        admins: Arc::new(admins.into_iter().collect()),
    })
}
