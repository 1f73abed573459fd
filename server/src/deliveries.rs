//! Named subscriptions for handlers in other systems that must acknowledge (a mailer, a search
//! cluster). The server keeps each subscription's acknowledged position; a handler connects to
//! `GET /api/subscriptions/{name}` (WebSocket) and receives every event after it:
//!
//! - server → handler: `{"op":"event","event":<envelope>}`, and `{"op":"parked","position":P,"error":…}`
//!   when an event was given up on;
//! - handler → server: `{"op":"ack","position":P}` acknowledges every event up to P;
//!   `{"op":"nack","position":P,"error":"…"}` says P failed: it is delivered again after a backoff,
//!   and after [`MAX_NACKS`] nacks it is parked (visible in the admin's parked list) and skipped.
//!
//! What is neither acked nor nacked within the ack timeout is delivered again; what was delivered but
//! not acked when the handler disconnects is delivered again when it reconnects. At most [`WINDOW`]
//! events are unacknowledged at a time.

use crate::db;
use crate::projections::parked::parked_row;
use crate::store::Store;
use app::wire::Envelope;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub const WINDOW: usize = 100;
pub const MAX_NACKS: u32 = 5;
pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(30);

/// A frame from the handler.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum HandlerFrame {
    Ack {
        position: u64,
    },
    Nack {
        position: u64,
        #[serde(default)]
        error: String,
    },
}

struct InFlight {
    event: Envelope,
    due: Instant,
    nacks: u32,
}

/// One connected handler's delivery state: what is in flight, and the acknowledged position.
pub struct Delivery {
    store: Store,
    name: String,
    ack_timeout: Duration,
    acked: u64,
    read: u64,
    in_flight: BTreeMap<u64, InFlight>,
}

impl Delivery {
    /// Resumes a subscription from its stored acknowledged position.
    /// Resumes a subscription from its stored acknowledged position, with the parked events an
    /// admin asked to retry delivered first.
    pub async fn resume(
        store: Store,
        name: &str,
        ack_timeout: Duration,
    ) -> anyhow::Result<Delivery> {
        let sql = "DEFINE TABLE IF NOT EXISTS subscription SCHEMALESS;
                   SELECT VALUE acked FROM type::record('subscription', $name);
                   SELECT VALUE position FROM parked WHERE projector = $parked_as AND retry = true;";
        let vars = json!({ "name": name, "parked_as": parked_as(name) });
        let mut results = db::run(store.db(), sql, vars).await?;
        let acked: Vec<Value> = results.take(1)?;
        let acked = acked.first().and_then(Value::as_u64).unwrap_or(0);
        let retried: Vec<Value> = results.take(2)?;
        let mut in_flight = BTreeMap::new();
        for position in retried.iter().filter_map(Value::as_u64) {
            if let Some(event) = store.event(position).await? {
                in_flight.insert(
                    position,
                    InFlight {
                        event,
                        due: Instant::now(),
                        nacks: 0,
                    },
                );
            }
        }
        Ok(Delivery {
            store,
            name: name.to_owned(),
            ack_timeout,
            acked,
            read: acked,
            in_flight,
        })
    }

    /// New events to send, up to the window, read from the durable log.
    pub async fn fill(&mut self) -> anyhow::Result<Vec<Value>> {
        let room = WINDOW.saturating_sub(self.in_flight.len());
        if room == 0 || self.store.head() <= self.read {
            return Ok(vec![]);
        }
        let events = self.store.read_all(self.read, room).await?;
        let due = Instant::now() + self.ack_timeout;
        let mut frames = Vec::with_capacity(events.len());
        for event in events {
            self.read = event.position;
            frames.push(json!({ "op": "event", "event": event }));
            self.in_flight.insert(
                event.position,
                InFlight {
                    event,
                    due,
                    nacks: 0,
                },
            );
        }
        Ok(frames)
    }

    /// Events whose acknowledgement is overdue (or whose nack backoff ran out), to send again.
    pub fn overdue(&mut self) -> Vec<Value> {
        let now = Instant::now();
        let mut frames = vec![];
        for entry in self.in_flight.values_mut().filter(|entry| entry.due <= now) {
            entry.due = now + self.ack_timeout;
            frames.push(json!({ "op": "event", "event": entry.event }));
        }
        frames
    }

    /// Applies a handler's frame; answers frames to send (a `parked` notice).
    pub async fn handle(&mut self, frame: HandlerFrame) -> anyhow::Result<Vec<Value>> {
        match frame {
            HandlerFrame::Ack { position } => {
                // A retried parked event lies below the acknowledged position: its ack releases it.
                let retried: Vec<u64> = self
                    .in_flight
                    .range(..=self.acked.min(position))
                    .map(|(at, _)| *at)
                    .collect();
                self.in_flight.retain(|at, _| *at > position);
                self.advance(position.min(self.read)).await?;
                if !retried.is_empty() {
                    let sql =
                        "DELETE parked WHERE projector = $parked_as AND position IN $positions";
                    let vars = json!({ "parked_as": parked_as(&self.name), "positions": retried });
                    db::run(self.store.db(), sql, vars).await?;
                }
                Ok(vec![])
            }
            HandlerFrame::Nack { position, error } => {
                let Some(entry) = self.in_flight.get_mut(&position) else {
                    return Ok(vec![]);
                };
                entry.nacks += 1;
                if entry.nacks < MAX_NACKS {
                    entry.due = Instant::now() + Duration::from_millis(100 << entry.nacks.min(8));
                    return Ok(vec![]);
                }
                let entry = self.in_flight.remove(&position).expect("just seen");
                self.park(&entry.event, &error).await?;
                // Retried parked events lie below the acknowledged position and hold nothing back.
                let acked = self.acked;
                let lowest_open = self
                    .in_flight
                    .keys()
                    .find(|at| **at > acked)
                    .copied()
                    .unwrap_or(self.read + 1);
                self.advance(lowest_open - 1).await?;
                Ok(vec![
                    json!({ "op": "parked", "position": position, "error": error }),
                ])
            }
        }
    }

    async fn advance(&mut self, position: u64) -> anyhow::Result<()> {
        if position <= self.acked {
            return Ok(());
        }
        self.acked = position;
        let sql = "UPSERT type::record('subscription', $name) SET acked = $acked";
        db::run(
            self.store.db(),
            sql,
            json!({ "name": self.name, "acked": position }),
        )
        .await?;
        Ok(())
    }

    async fn park(&self, event: &Envelope, error: &str) -> anyhow::Result<()> {
        let parked = parked_row(&parked_as(&self.name), event, error);
        db::run(
            self.store.db(),
            "CREATE parked CONTENT $parked",
            json!({ "parked": parked }),
        )
        .await?;
        Ok(())
    }
}

/// Subscriptions park their events in the projectors' `parked` table under this name.
pub fn parked_as(name: &str) -> String {
    format!("subscription:{name}")
}

/// Defines the subscriptions' table (once at start: a DEFINE on every read of the admin's
/// dashboard, four times a second, cost the write side most of its throughput).
pub async fn define(db: &crate::db::Db) -> anyhow::Result<()> {
    db::run(
        db,
        "DEFINE TABLE IF NOT EXISTS subscription SCHEMALESS;",
        Value::Null,
    )
    .await?;
    Ok(())
}

/// Every subscription with its acknowledged position and parked events (for the admin).
pub async fn list(store: &Store) -> anyhow::Result<Vec<app::wire::SubscriptionRow>> {
    let sql = "SELECT record::id(id) AS name, acked FROM subscription ORDER BY name;
               SELECT projector, count() AS parked FROM parked WHERE string::starts_with(projector, 'subscription:') GROUP BY projector;";
    let mut results = db::run(store.db(), sql, Value::Null).await?;
    let rows: Vec<Value> = results.take(0)?;
    let parked: Vec<Value> = results.take(1)?;
    let head = store.head();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let name = row["name"].as_str()?.to_owned();
            let acked = row["acked"].as_u64().unwrap_or(0);
            let parked = parked
                .iter()
                .find(|p| p["projector"].as_str() == Some(parked_as(&name).as_str()))
                .and_then(|p| p["parked"].as_u64())
                .unwrap_or(0);
            Some(app::wire::SubscriptionRow {
                name,
                acked,
                head,
                lag: head.saturating_sub(acked),
                parked,
            })
        })
        .collect())
}

/// Marks a subscription's parked events for delivery again when its handler next connects.
pub async fn retry_parked(store: &Store, name: &str) -> anyhow::Result<u64> {
    let sql = "UPDATE parked SET retry = true WHERE projector = $parked_as RETURN NONE;
               SELECT count() AS n FROM parked WHERE projector = $parked_as GROUP ALL;";
    let mut results = db::run(store.db(), sql, json!({ "parked_as": parked_as(name) })).await?;
    let counted: Vec<Value> = results.take(1)?;
    Ok(counted
        .first()
        .and_then(|row| row["n"].as_u64())
        .unwrap_or(0))
}
