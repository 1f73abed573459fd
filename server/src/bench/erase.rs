//! `bench erase`: the time for an erasure to reach every read model of a person with many events.
//! The whole runtime runs in this process (store, projectors, policies, the forgetting); the
//! person is followed and posts (mentioning and tagging), then erases themselves, and the clock runs from the
//! command to (1) its answer, (2) every projector past its event, (3) the runtime's copies beside
//! the log forgotten (sessions, the journal, the open frames).

use super::fresh;
use crate::aggregate::Actor;
use crate::commands::{CommandBus, Origin};
use serde::Serialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Debug, Serialize)]
pub struct EraseReport {
    pub db: String,
    /// Events the erased person caused.
    pub events_of_person: usize,
    pub followers: usize,
    /// The whole log at the erasure.
    pub events_in_log: u64,
    pub answered_ms: f64,
    pub read_models_ms: f64,
    pub forgotten_ms: f64,
}

const PERSON: &str = "erasable";
/// Commands in flight while the person's history is written.
const IN_FLIGHT: usize = 32;

pub async fn erase(base: &str, events: usize, followers: usize) -> anyhow::Result<EraseReport> {
    let (_, db) = fresh(base, "bench-erase").await?;
    let options = leptos::prelude::get_configuration(None)?.leptos_options;
    let state = crate::start_on(db, vec![], options).await?;
    let bus = state.bus.clone();
    for handle in std::iter::once(PERSON.to_owned()).chain((0..followers).map(follower)) {
        register(&bus, &handle).await?;
    }
    for n in 0..followers {
        run(&bus, &follower(n), "Follow", json!({ "handle": PERSON })).await?;
    }
    // The person's history: posts that mention a follower (notifications) and carry a tag.
    let mut written = 0;
    while written < events {
        let batch = (events - written).min(IN_FLIGHT);
        let commands = (0..batch).map(|i| {
            let n = written + i;
            let text = format!(
                "post {n} by the person to be erased, #erasable @{}",
                follower(0)
            );
            run(&bus, PERSON, "CreatePost", json!({ "text": text }))
        });
        for answer in futures::future::join_all(commands).await {
            answer?;
        }
        written += batch;
    }
    let head = bus.store().head();
    state
        .projections
        .wait_for_all(head, Duration::from_secs(600))
        .await;

    let started = Instant::now();
    let answer = run(&bus, PERSON, "EraseUser", json!({ "handle": PERSON })).await?;
    let answered_ms = started.elapsed().as_secs_f64() * 1000.0;
    let position = answer["position"].as_u64().unwrap_or_default();
    state
        .projections
        .wait_for_all(position, Duration::from_secs(600))
        .await;
    let read_models_ms = started.elapsed().as_secs_f64() * 1000.0;
    while !bus.store().vault().unforgotten().await?.is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let forgotten_ms = started.elapsed().as_secs_f64() * 1000.0;
    state.projections.stop().await;
    Ok(EraseReport {
        db: base.to_owned(),
        events_of_person: events + 1,
        followers,
        events_in_log: position,
        answered_ms,
        read_models_ms,
        forgotten_ms,
    })
}

fn follower(n: usize) -> String {
    format!("follower{n}")
}

async fn register(bus: &CommandBus, handle: &str) -> anyhow::Result<()> {
    use crate::social::domain::user::{self, User, UserCommand};
    let origin = Origin::new(Uuid::now_v7(), Actor::user(handle));
    let command = UserCommand::Register {
        user_id: Uuid::now_v7(),
        handle: handle.to_owned(),
        display_name: Some(format!("The {handle}")),
    };
    bus.submit_to::<User>("RegisterUser", user::stream(handle), command, None, &origin)
        .await?;
    Ok(())
}

async fn run(
    bus: &CommandBus,
    actor: &str,
    command: &str,
    payload: Value,
) -> anyhow::Result<Value> {
    let origin = Origin::new(Uuid::now_v7(), Actor::user(actor));
    let answer = bus.submit(origin, command, &payload, None).await?;
    Ok(serde_json::to_value(answer)?)
}
