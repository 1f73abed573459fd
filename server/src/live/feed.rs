//! The runtime's own topics: the admin's live tail of the log (`admin:events`) and the projector
//! dashboard (`admin:projections`).

use super::topics::{ADMIN_EVENTS, ADMIN_PROJECTIONS};
use super::{Change, Hub};
use crate::policies::Policies;
use crate::projections::Projections;
use crate::store::Store;
use app::wire::{ChangeKind, Envelope};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// How often the dashboard's rows are compared with what was last pushed…
const DASHBOARD_TICK: Duration = Duration::from_millis(250);
/// …and every how many ticks the subscriptions' rows are read from the database.
const SUBSCRIPTIONS_EVERY: u64 = 4;

/// Publishes every durable event on `admin:events` (the admin's live tail), from the head at start.
pub async fn feed_events(store: Store, hub: Hub) {
    let mut subscription = store.subscribe(store.head());
    loop {
        match subscription.next_batch(500).await {
            Ok(events) => {
                let last = events.last().map_or(0, |e| e.position);
                let changes = events.iter().map(event_change).collect();
                hub.publish(last, changes);
            }
            Err(error) => {
                tracing::error!(%error, "the admin event feed stopped reading");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The rows of the admin's dashboard: every projector, policy and named subscription, each as its
/// list's query answers it (`/api/admin/projections`, `/policies`, `/subscriptions`).
#[derive(Clone)]
pub struct Dashboard {
    pub projections: Projections,
    pub policies: Policies,
    pub store: Store,
}

impl Dashboard {
    /// Each row with a key naming its list and itself; the subscriptions (a read of the database,
    /// where the others are in memory) only when asked.
    pub async fn rows(&self, with_subscriptions: bool) -> Vec<(String, Value)> {
        let head = self.store.head();
        let keyed = |list: &str, row: Value| (format!("{list}/{}", row["name"]), row);
        let mut rows: Vec<(String, Value)> = vec![];
        for (list, statuses) in [
            ("projections", self.projections.statuses(head)),
            ("policies", self.policies.statuses(head)),
        ] {
            rows.extend(
                statuses
                    .into_iter()
                    .map(|row| keyed(list, serde_json::to_value(row).unwrap_or_default())),
            );
        }
        if !with_subscriptions {
            return rows;
        }
        match crate::deliveries::list(&self.store).await {
            Ok(subscriptions) => rows.extend(subscriptions.into_iter().map(|row| {
                keyed(
                    "subscriptions",
                    serde_json::to_value(row).unwrap_or_default(),
                )
            })),
            Err(error) => tracing::warn!(%error, "the dashboard could not list subscriptions"),
        }
        rows
    }
}

/// A durable event as its change on `admin:events`.
pub fn event_change(event: &Envelope) -> Change {
    let data = serde_json::to_value(event).unwrap_or_default();
    Change::new(ADMIN_EVENTS.into(), event.position, ChangeKind::Event, data)
}

/// The rows as `upsert` changes of `admin:projections` at `position`.
pub fn dashboard_changes(rows: Vec<Value>, position: u64) -> Vec<Change> {
    rows.into_iter()
        .map(|data| Change::new(ADMIN_PROJECTIONS.into(), position, ChangeKind::Upsert, data))
        .collect()
}

/// Publishes a dashboard row on `admin:projections` whenever it changed (position, lag, errors,
/// parked events, rebuild progress), at the head's position: the dashboard needs no polling.
pub async fn feed_dashboard(dashboard: Dashboard, hub: Hub) {
    let mut last: HashMap<String, Value> = HashMap::new();
    let mut tick = tokio::time::interval(DASHBOARD_TICK);
    for n in 0u64.. {
        tick.tick().await;
        let head = dashboard.store.head();
        let changed: Vec<Value> = dashboard
            .rows(n % SUBSCRIPTIONS_EVERY == 0)
            .await
            .into_iter()
            .filter(|(key, row)| last.insert(key.clone(), row.clone()).as_ref() != Some(row))
            .map(|(_, row)| row)
            .collect();
        if !changed.is_empty() {
            hub.publish(head, dashboard_changes(changed, head));
        }
    }
}
