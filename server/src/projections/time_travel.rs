//! Any read model as of a past position: replayed into a temporary in-memory SurrealDB up to that
//! position, with the projector's own code. Slow for long logs, exact, and it never touches the
//! serving tables.

use super::{Generation, Output, Projector, Scope};
use crate::db::{self, Db};
use crate::store::Store;
use serde_json::Value;

const BATCH: usize = 500;

/// A fresh `mem://` database holding `projector`'s read model as of position `at`.
/// Its tables are generation 1 of that database.
pub async fn build(store: &Store, projector: &dyn Projector, at: u64) -> anyhow::Result<Db> {
    let db = db::connect("mem://").await?;
    let generation = Generation(1);
    db::run(&db, generation.schema(projector.schema()), Value::Null).await?;
    let mut position = 0;
    while position < at {
        let wanted = usize::try_from(at - position)
            .unwrap_or(usize::MAX)
            .min(BATCH);
        let events = store.read_all(position, wanted).await?;
        let Some(last) = events.last() else { break };
        position = last.position;
        let mut out = Output::default();
        let scope = Scope {
            db: &db,
            store,
            generation,
            live: false,
        };
        projector.apply(scope, &events, &mut out).await?;
        let (sql, vars) = out.writes.into_transaction("LET $replayed = true");
        db::run(&db, sql, vars).await?;
    }
    Ok(db)
}
