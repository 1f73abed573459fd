//! `agora bench …`: benchmarks that print numbers (never timed tests).

pub mod append;
pub mod live;
pub mod queries;
pub mod rebuild;
pub mod wallet;

use crate::db::{self, Db};
use uuid::Uuid;

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
