//! `agora bench …`: benchmarks that print numbers (never timed tests).

pub mod append;
pub mod erase;
pub mod live;
pub mod messagedb;
pub mod queries;
pub mod rebuild;
pub mod wallet;

use crate::db::{self, Db};
use crate::registry::Registry;
use crate::store::{PersonalData, Store};
use uuid::Uuid;

/// Whether the benchmark's store seals personal data as the server's does, or seals nothing (the
/// cost of sealing is the difference between the two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    Sealed,
    Plain,
}

/// The store on `db` as the server opens it, or with nothing sealed.
async fn open_store(db: Db, registry: &Registry, sealing: Sealing) -> anyhow::Result<Store> {
    let personal = match sealing {
        Sealing::Sealed => registry.personal_data(),
        Sealing::Plain => PersonalData::default(),
    };
    Ok(Store::open(db, registry.upcasters(), personal).await?)
}

/// A fresh database of the kind `base` names: a new folder under it for `surrealkv://`, a new
/// in-memory one for `mem://`.
async fn fresh(base: &str, name: &str) -> anyhow::Result<(String, Db)> {
    let url = fresh_url(base, name);
    let db = db::connect(&url).await?;
    Ok((url, db))
}

/// The address of a fresh database of the kind `base` names (see [`fresh`]), not yet opened.
fn fresh_url(base: &str, name: &str) -> String {
    match base.strip_prefix("surrealkv://") {
        Some(path) => format!(
            "surrealkv://{}/{name}-{}",
            path.trim_end_matches('/'),
            Uuid::now_v7()
        ),
        None => base.to_owned(),
    }
}

/// Serves the whole app on a loopback port, as `agora serve` does (its listener: no Nagle delay,
/// which held every streamed page ~40 ms behind its last chunk); answers its base URL.
async fn serve_on_loopback(state: crate::state::AppState) -> anyhow::Result<String> {
    let listener = crate::http::listen("127.0.0.1:0".parse()?)?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let app = crate::http::app(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(base_url)
}
