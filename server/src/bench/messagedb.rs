//! `bench append --vs-messagedb PATH`: runs PostgreSQL's Message DB benchmark (the peer's
//! `run.sh`, which prints one JSON object) right after Agora's runs, on the same machine, and
//! compares the rates per concurrency: Agora's events/s over Message DB's appends/s with a category
//! per client (its best case for entity streams).

use super::append::AppendRun;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Serialize)]
pub struct VersusMessageDb {
    pub script: String,
    pub rows: Vec<Versus>,
}

#[derive(Debug, Serialize)]
pub struct Versus {
    pub in_flight: usize,
    pub agora_events_per_s: f64,
    pub messagedb_per_s: f64,
    pub messagedb_p99_ms: f64,
    pub ratio: f64,
}

/// Runs the script (its progress goes to our stderr) and compares its figures with `runs`.
pub async fn compare(script: &str, runs: &[AppendRun]) -> anyhow::Result<VersusMessageDb> {
    let output = tokio::process::Command::new("bash")
        .arg(script)
        .stderr(std::process::Stdio::inherit())
        .output()
        .await?;
    anyhow::ensure!(
        output.status.success(),
        "{script} failed: {}",
        output.status
    );
    let figures: Value = serde_json::from_slice(&output.stdout)?;
    let rows = runs
        .iter()
        .filter_map(|run| {
            let peer = &figures["append_category_per_client"][run.in_flight.to_string()];
            let messagedb_per_s = peer["tps"].as_f64()?;
            Some(Versus {
                in_flight: run.in_flight,
                agora_events_per_s: run.events_per_s,
                messagedb_per_s,
                messagedb_p99_ms: peer["latency_ms"]["p99"].as_f64().unwrap_or_default(),
                ratio: run.events_per_s / messagedb_per_s,
            })
        })
        .collect();
    Ok(VersusMessageDb {
        script: script.to_owned(),
        rows,
    })
}
