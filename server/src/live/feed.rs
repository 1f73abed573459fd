//! The runtime's own topics: the admin's live tail of the log (`admin:events`) and the projector
//! dashboard (`admin:projections`).

use super::history::projector_changes;
use super::topics::ADMIN_EVENTS;
use super::{Change, Hub};
use crate::projections::Projections;
use crate::store::Store;
use app::wire::ChangeKind;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// How often the dashboard's rows are compared with what was last pushed.
const DASHBOARD_TICK: Duration = Duration::from_millis(250);

/// Publishes every durable event on `admin:events` (the admin's live tail), from the head at start.
pub async fn feed_events(store: Store, hub: Hub) {
    let mut subscription = store.subscribe(store.head());
    loop {
        match subscription.next_batch(500).await {
            Ok(events) => {
                let last = events.last().map_or(0, |e| e.position);
                let changes = events
                    .into_iter()
                    .map(|event| Change {
                        topic: ADMIN_EVENTS.into(),
                        position: event.position,
                        kind: ChangeKind::Event,
                        data: serde_json::to_value(&event).unwrap_or_default(),
                    })
                    .collect();
                hub.publish(last, changes);
            }
            Err(error) => {
                tracing::error!(%error, "the admin event feed stopped reading");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Publishes a projector's row on `admin:projections` whenever it changed (position, lag, errors,
/// parked events, rebuild progress), at the head's position: the dashboard needs no polling.
pub async fn feed_projections(store: Store, projections: Projections, hub: Hub) {
    let mut last: HashMap<String, Value> = HashMap::new();
    let mut tick = tokio::time::interval(DASHBOARD_TICK);
    loop {
        tick.tick().await;
        let head = store.head();
        let changed: Vec<Change> = projector_changes(&projections, head, head)
            .into_iter()
            .filter(|change| {
                let name = change.data["name"].as_str().unwrap_or_default().to_owned();
                last.insert(name, change.data.clone()).as_ref() != Some(&change.data)
            })
            .collect();
        if !changed.is_empty() {
            hub.publish(head, changed);
        }
    }
}
