//! Agora's server: an event-sourcing runtime and the bounded contexts that run on it.
//!
//! The runtime names no context:
//! - write side: `http` → `commands` (the bus, generic over `aggregate::Aggregate`) → `store`;
//! - read side: `store` subscription → `projections` (the runner) → `http` queries and `live` topics;
//! - `policies` (event → command), `deliveries` (named subscriptions), `credentials` (secrets kept
//!   outside the log), `erasure` (what is forgotten beside the log when a person is erased), `registry` (how a context plugs in), `db`, `cli`, `bench`.
//!
//! Each context is one folder with its domain, read models, policies and routes: `social/`. They are
//! registered in one place, `contexts.rs`.

pub mod aggregate;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod contexts;
pub mod credentials;
pub mod db;
pub mod dedicated;
pub mod deliveries;
pub mod erasure;
pub mod http;
pub mod live;
pub mod metrics;
pub mod ops;
pub mod pages;
pub mod people;
pub mod policies;
pub mod projections;
pub mod registry;
pub mod shared_reads;
pub mod social;
pub mod state;
pub mod store;
pub mod wallet;

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
    let registry = Arc::new(contexts::registry());
    tracing::info!(contexts = ?registry.context_names(), "starting");
    let store =
        store::Store::open(db.clone(), registry.upcasters(), registry.personal_data()).await?;
    let credentials = credentials::Credentials::open(db).await?;
    let bus = registry.command_bus(store.clone());
    let people = registry
        .people_directory()
        .ok_or_else(|| anyhow::anyhow!("no context says who people are"))?;
    people.prepare(&bus, &credentials).await?;
    // The hub's ring starts empty at the head; resumes from older positions read the journal.
    let topics = live::topics::Topics::new(registry.topics());
    deliveries::define(store.db()).await?;
    let (journal, journaled) = live::journal::Journal::open(store.db(), store.head()).await?;
    let hub = live::Hub::new(store.head(), topics);
    hub.rebuilt(journaled.rebuilt_at);
    let projectors = projections::runtime_projectors(&registry);
    let projections = projections::Projections::start(&store, hub.clone(), projectors).await?;
    let policies = policies::Policies::start(bus.clone(), registry.policies()).await?;
    tokio::spawn(live::feed_events(store.clone(), hub.clone()));
    let dashboard = live::Dashboard {
        projections: projections.clone(),
        policies: policies.clone(),
        store: store.clone(),
    };
    tokio::spawn(live::feed_dashboard(dashboard, hub.clone()));
    tokio::spawn(journal.clone().prune_hourly(store.clone()));
    let revocations = live::revocations::Revocations::default();
    let forgetting = erasure::Forgetting {
        bus: bus.clone(),
        credentials: credentials.clone(),
        people: people.clone(),
        revocations: revocations.clone(),
        projections: projections.clone(),
        hub: hub.clone(),
        journal: journal.clone(),
    };
    tokio::spawn(forgetting.run());
    Ok(AppState {
        leptos_options,
        store,
        bus,
        projections,
        policies,
        hub,
        journal,
        revocations,
        credentials,
        people,
        registry,
        admins: Arc::new(admins.into_iter().collect()),
    })
}
