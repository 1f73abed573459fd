//! The SurrealDB connection: one URL picks the engine (`surrealkv://`, `mem://`, `ws://`).

use anyhow::Context;
use serde_json::Value;
use surrealdb::engine::any::Any;
use surrealdb::Surreal;

/// The database, shared. Behind an `Arc` because cloning a `Surreal` handle opens a new session in
/// the engine (SurrealDB 3.3: `Surreal::clone` registers a session with its own maps, and dropping
/// it sends a message to forget it): a handle cloned into every request and every socket cost a
/// session each, most of an idle socket's memory (docs/benchmarks.md). One session serves all; it
/// only ever holds the namespace and database chosen in `connect`.
pub type Db = std::sync::Arc<Surreal<Any>>;

/// The namespace and database every Agora table lives in.
const NAMESPACE: &str = "agora";
const DATABASE: &str = "agora";

/// Opens the database named by `url`. A `ws://` server is signed in to as root when
/// `AGORA_DB_USER` and `AGORA_DB_PASS` are set; embedded engines need no sign-in.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    if let Some(path) = url.strip_prefix("surrealkv://") {
        let folder = path.split('?').next().unwrap_or(path);
        if let Some(parent) = std::path::Path::new(folder).parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
    }
    let db = surrealdb::engine::any::connect(url)
        .await
        .with_context(|| format!("opening {url}"))?;
    if let (Ok(username), Ok(password)) = (
        std::env::var("AGORA_DB_USER"),
        std::env::var("AGORA_DB_PASS"),
    ) {
        db.signin(surrealdb::opt::auth::Root { username, password })
            .await
            .context("signing in")?;
    }
    db.use_ns(NAMESPACE)
        .use_db(DATABASE)
        .await
        .context("selecting the database")?;
    Ok(std::sync::Arc::new(db))
}

/// Runs SurrealQL and fails if any statement failed (`query().await` alone is Ok even then).
pub async fn run(
    db: &Db,
    sql: impl Into<String>,
    vars: Value,
) -> Result<surrealdb::IndexedResults, surrealdb::Error> {
    let sql = sql.into();
    // `RUST_LOG=agora::db=debug` logs every statement with its time: where a slow request goes.
    let traced =
        tracing::enabled!(tracing::Level::DEBUG).then(|| (std::time::Instant::now(), sql.clone()));
    let query = db.query(sql);
    let query = if vars.is_null() {
        query
    } else {
        query.bind(vars)
    };
    let mut results = query.await?;
    if let Some((started, sql)) = traced {
        let shown: String = sql.chars().take(160).collect();
        tracing::debug!(
            micros = started.elapsed().as_micros() as u64,
            sql = shown,
            "query"
        );
    }
    let mut errors: Vec<(usize, surrealdb::Error)> = results.take_errors().into_iter().collect();
    if errors.is_empty() {
        return Ok(results);
    }
    errors.sort_by_key(|(index, _)| *index);
    // In a failed BEGIN…COMMIT every other statement reports a placeholder; the cause is the one that
    // does not.
    let cause = errors
        .iter()
        .position(|(_, e)| !is_placeholder(e))
        .unwrap_or(0);
    Err(errors.swap_remove(cause).1)
}

fn is_placeholder(error: &surrealdb::Error) -> bool {
    let text = error.message();
    text.contains("not executed due to a failed transaction")
        || text.contains("due to a cancelled transaction")
        || text.contains("aborted due to a prior error")
}

/// Runs SurrealQL that is safe to run again (an upsert to a maximum, a checkpoint), retrying it when
/// it lost a write-write race: a few records are written by every rebuild and by erasures, which
/// may all finish at once.
pub async fn run_retrying(
    db: &Db,
    sql: &str,
    vars: Value,
) -> Result<surrealdb::IndexedResults, surrealdb::Error> {
    const ATTEMPTS: u64 = 20;
    for attempt in 1.. {
        match run(db, sql, vars.clone()).await {
            Err(error) if attempt < ATTEMPTS && is_retryable(&error) => {
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
            }
            done => return done,
        }
    }
    unreachable!("the last attempt returns")
}

/// Runs one statement and returns its rows as JSON.
pub async fn rows(
    db: &Db,
    sql: impl Into<String>,
    vars: Value,
) -> Result<Vec<Value>, surrealdb::Error> {
    run(db, sql, vars).await?.take::<Vec<Value>>(0)
}

/// True for the error SurrealDB gives when an optimistic transaction lost a write-write race.
pub fn is_retryable(error: &surrealdb::Error) -> bool {
    matches!(
        error.query_details(),
        Some(surrealdb::types::QueryError::TransactionConflict)
    ) || error.message().contains("can be retried")
}

/// Rows read with `SELECT record::id(id) AS key, * OMIT id` made ready to insert elsewhere with the
/// same keys: `key` becomes `id` again (a row's `id` as read is the record id's text, not its key).
pub fn keys_as_ids(rows: Vec<Value>) -> Vec<Value> {
    rows.into_iter()
        .filter_map(|row| {
            let mut row = match row {
                Value::Object(row) => row,
                _ => return None,
            };
            let key = row.remove("key")?;
            row.insert("id".into(), key);
            Some(Value::Object(row))
        })
        .collect()
}
