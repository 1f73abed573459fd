//! A projector's record and tables: what a start finds and decides (go on, upgrade beside the
//! serving generation, or rebuild in place), the checkpoint statement, and dropping a generation.

use super::{Generation, Projector};
use crate::db::{self, Db};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

const RUNTIME_TABLES: &str = "
DEFINE TABLE IF NOT EXISTS projection SCHEMALESS;
DEFINE TABLE IF NOT EXISTS parked SCHEMALESS;
DEFINE INDEX IF NOT EXISTS parked_projector ON parked FIELDS projector, position;
";

/// The checkpoints of projectors and policies, and what they parked.
pub(crate) async fn define_runtime_tables(db: &Db) -> anyhow::Result<()> {
    db::run(db, RUNTIME_TABLES, Value::Null).await?;
    Ok(())
}

/// How a projector starts, from its checkpoint.
pub(super) enum Start {
    /// Where it left off (or from zero on a new generation, when the tables of its stored version
    /// cannot serve this code's queries: the old generation is dropped).
    From(u64, Generation),
    /// A new version whose queries can still read the stored version's tables: those keep serving,
    /// frozen at their checkpoint, while `next` is built beside them and takes over.
    Upgrade {
        serving_at: u64,
        serving: Generation,
        next: Generation,
    },
}

impl Start {
    /// The position and generation queries are served from at start.
    pub(super) fn serving(&self) -> (u64, Generation) {
        match *self {
            Start::From(position, generation) => (position, generation),
            Start::Upgrade {
                serving_at,
                serving,
                ..
            } => (serving_at, serving),
        }
    }
}

/// Defines the projector's tables and decides how it starts.
pub(super) async fn prepare(db: &Db, projector: &dyn Projector) -> anyhow::Result<Start> {
    let sql = "SELECT position, version, generation FROM type::record('projection', $name)";
    let rows = db::rows(db, sql, json!({ "name": projector.name() })).await?;
    let checkpoint = rows.first();
    let field = |name: &str| checkpoint.and_then(|row| row[name].as_u64());
    let stored = Generation(field("generation").unwrap_or(1) as u32);
    let position = field("position").unwrap_or(0);
    let start = match field("version").map(|v| v as u32) {
        Some(version) if version != projector.version() && projector.serves_from() <= version => {
            tracing::warn!(
                projector = projector.name(),
                version,
                "new version: building it beside the serving generation"
            );
            Start::Upgrade {
                serving_at: position,
                serving: stored,
                next: Generation(stored.0 + 1),
            }
        }
        Some(version) if version != projector.version() => {
            tracing::warn!(
                projector = projector.name(),
                version,
                "new version that cannot read the old tables: rebuilding from the first event"
            );
            drop_generation(db, projector, stored).await?;
            Start::From(0, Generation(stored.0 + 1))
        }
        _ => Start::From(position, stored),
    };
    if let Start::From(_, generation) = start {
        db::run(db, generation.schema(projector.schema()), Value::Null).await?;
    }
    Ok(start)
}

/// The statement that records a projector's position, version and serving generation.
pub(super) fn checkpoint(
    projector: &dyn Projector,
    position: u64,
    generation: Generation,
) -> String {
    format!(
        "UPSERT type::record('projection', '{}') SET position = {position}, version = {}, generation = {}",
        projector.name(),
        projector.version(),
        generation.0
    )
}

/// Removes a generation's tables.
pub(super) async fn drop_generation(
    db: &Db,
    projector: &dyn Projector,
    generation: Generation,
) -> anyhow::Result<()> {
    let sql: String = projector
        .tables()
        .iter()
        .map(|t| format!("REMOVE TABLE IF EXISTS {};", generation.table(t)))
        .collect();
    db::run(db, sql, Value::Null).await?;
    Ok(())
}

/// A runner's own checkpoint: where its stored one is, and saving the position it reached.
impl super::runner::Runner {
    /// Saves the position reached if the stored checkpoint is behind it. Called with `serving` held.
    pub(super) async fn save_position(&self) -> anyhow::Result<()> {
        let position = *self.position.borrow();
        if position > self.saved.load(Ordering::SeqCst) {
            db::run(&self.db, self.checkpoint_statement(position), Value::Null).await?;
            self.saved_at(position);
        }
        Ok(())
    }

    /// Records that the stored checkpoint holds `position`.
    pub(super) fn saved_at(&self, position: u64) {
        self.saved.fetch_max(position, Ordering::SeqCst);
    }

    /// The checkpoint of the serving generation at `position`.
    pub(super) fn checkpoint_statement(&self, position: u64) -> String {
        checkpoint(self.projector.as_ref(), position, self.generation())
    }
}
