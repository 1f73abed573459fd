//! `bench append` measures durable single-event commands (idempotency check, load, decide, group
//! commit, acknowledged after fsync) at 1, 32 and 256 in flight, and in the same run the ceiling on
//! the same kind of database: raw batched `INSERT` of the same event rows with the same indexes, 256
//! rows a transaction.

use super::{fresh, open_store, Sealing};
use crate::aggregate::Actor;
use crate::commands::{CommandBus, Origin};
use crate::db;
use serde::Serialize;
use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Debug, Serialize)]
pub struct AppendRun {
    pub in_flight: usize,
    pub commands: usize,
    pub events_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct AppendReport {
    pub db: String,
    /// Whether the posts' texts were sealed (as the server does) or written in the open.
    pub sealed: bool,
    /// 1 and 32 in flight, then the median trial at 256 in flight.
    pub runs: Vec<AppendRun>,
    /// The median of the ceiling's trials.
    pub ceiling_rows_per_s: f64,
    /// Events/s at 256 in flight ÷ the ceiling, medians of both.
    pub ratio_at_256: f64,
    /// Each trial of 256 in flight and of the ceiling, taken in turns so a slow spell of the machine
    /// weighs on both.
    pub trials: Vec<Trial>,
    /// With `--vs-messagedb`: Message DB's figures from the same machine, right after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_messagedb: Option<super::messagedb::VersusMessageDb>,
}

#[derive(Debug, Serialize)]
pub struct Trial {
    pub events_per_s_at_256: f64,
    pub ceiling_rows_per_s: f64,
}

/// Trials of 256 in flight and of the ceiling: their medians are compared.
const TRIALS: usize = 3;

pub async fn append(
    base: &str,
    commands_at_256: usize,
    sealing: Sealing,
) -> anyhow::Result<AppendReport> {
    let mut runs = vec![];
    for (in_flight, commands) in [(1, 300), (32, commands_at_256 / 4)] {
        runs.push(fresh_run(base, in_flight, commands, sealing).await?);
    }
    let mut at_256 = vec![];
    let mut trials = vec![];
    for _ in 0..TRIALS {
        let run = fresh_run(base, 256, commands_at_256, sealing).await?;
        trials.push(Trial {
            events_per_s_at_256: run.events_per_s,
            ceiling_rows_per_s: ceiling(base, commands_at_256).await?,
        });
        at_256.push(run);
    }
    at_256.sort_by(|a, b| a.events_per_s.total_cmp(&b.events_per_s));
    let median_run = at_256.swap_remove(TRIALS / 2);
    let mut ceilings: Vec<f64> = trials.iter().map(|t| t.ceiling_rows_per_s).collect();
    ceilings.sort_by(f64::total_cmp);
    let ceiling = ceilings[TRIALS / 2];
    let ratio_at_256 = median_run.events_per_s / ceiling;
    runs.push(median_run);
    Ok(AppendReport {
        db: base.to_owned(),
        sealed: sealing == Sealing::Sealed,
        runs,
        ceiling_rows_per_s: ceiling,
        ratio_at_256,
        trials,
        vs_messagedb: None,
    })
}

/// Commands at `in_flight` on a fresh database.
pub(super) async fn fresh_run(
    base: &str,
    in_flight: usize,
    commands: usize,
    sealing: Sealing,
) -> anyhow::Result<AppendRun> {
    let (_, db) = fresh(base, "bench-append").await?;
    let registry = crate::contexts::registry();
    let store = open_store(db, &registry, sealing).await?;
    let bus = registry.command_bus(store);
    run_commands(&bus, in_flight, commands).await
}

async fn run_commands(
    bus: &CommandBus,
    in_flight: usize,
    commands: usize,
) -> anyhow::Result<AppendRun> {
    let started = Instant::now();
    let workers = (0..in_flight).map(|worker| {
        let bus = bus.clone();
        let share = commands / in_flight + usize::from(worker < commands % in_flight);
        tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(share);
            for n in 0..share {
                let sent = Instant::now();
                let origin = Origin::new(Uuid::now_v7(), Actor::user(&format!("writer{worker}")));
                let text = format!("bench post {n} from writer {worker} #bench");
                let payload = json!({ "text": text });
                bus.submit(origin, "CreatePost", &payload, None).await?;
                latencies.push(sent.elapsed());
            }
            anyhow::Ok(latencies)
        })
    });
    let mut latencies: Vec<Duration> = vec![];
    for worker in futures::future::join_all(workers).await {
        latencies.extend(worker??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile =
        |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    Ok(AppendRun {
        in_flight,
        commands,
        events_per_s: commands as f64 / elapsed,
        p50_ms: percentile(0.50).as_secs_f64() * 1000.0,
        p99_ms: percentile(0.99).as_secs_f64() * 1000.0,
    })
}

/// Raw batched INSERT of event rows shaped like those the commands above append (their own event,
/// command and post ids, 256 writers, the same text), into the store's schema.
async fn ceiling(base: &str, rows: usize) -> anyhow::Result<f64> {
    let (_, db) = fresh(base, "bench-ceiling").await?;
    crate::ops::open_on(db.clone(), &crate::contexts::registry()).await?;
    let started = Instant::now();
    let mut position = 0u64;
    while (position as usize) < rows {
        let batch: Vec<_> = (0..256.min(rows - position as usize))
            .map(|_| {
                position += 1;
                let writer = position % 256;
                let (event_id, command_id, post_id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
                json!({
                    "id": position, "position": position, "event_id": event_id.to_string(),
                    "stream": format!("post-{post_id}"), "version": 1, "type": "PostCreated", "schema": 2,
                    "data": { "post_id": post_id, "author": format!("writer{writer}"),
                              "text": format!("bench post {position} from writer {writer} #bench"),
                              "reply_to": null, "mentions": [], "tags": ["bench"] },
                    "command_id": command_id.to_string(), "command_seq": 0,
                    "correlation_id": command_id.to_string(), "actor": format!("writer{writer}"),
                    "at": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                })
            })
            .collect();
        db::run(
            &db,
            "BEGIN; INSERT INTO event $rows RETURN NONE; COMMIT;",
            json!({ "rows": batch }),
        )
        .await?;
    }
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}
