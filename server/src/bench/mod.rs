//! `agora bench …`: benchmarks that print numbers (never timed tests).

pub mod append;
pub mod queries;
pub mod rebuild;
pub mod wallet;

use crate::db::{self, Db};
use uuid::Uuid;

/// A fresh database of the kind `base` names: a new folder under it for `surrealkv://`, a new
/// in-memory one for `mem://`.
async fn fresh(base: &str, name: &str) -> anyhow::Result<(String, Db)> {
    let url = match base.strip_prefix("surrealkv://") {
        Some(path) => format!(
            "surrealkv://{}/{name}-{}",
            path.trim_end_matches('/'),
            Uuid::now_v7()
        ),
        None => base.to_owned(),
    };
    let db = db::connect(&url).await?;
    Ok((url, db))
}
