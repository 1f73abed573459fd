//! The admin's live tail: every durable event, as it becomes durable, on `admin:events`.

use super::{Change, Hub};
use app::wire::ChangeKind;

/// Publishes every durable event on `admin:events` (the admin's live tail), from the head at start.
pub async fn feed_events(store: crate::store::Store, hub: Hub) {
    let mut subscription = store.subscribe(store.head());
    loop {
        match subscription.next_batch(500).await {
            Ok(events) => {
                let last = events.last().map_or(0, |e| e.position);
                let changes = events
                    .into_iter()
                    .map(|event| Change {
                        topic: super::topics::ADMIN_EVENTS.into(),
                        position: event.position,
                        kind: ChangeKind::Event,
                        data: serde_json::to_value(&event).unwrap_or_default(),
                    })
                    .collect();
                hub.publish(last, changes);
            }
            Err(error) => {
                tracing::error!(%error, "the admin event feed stopped reading");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}
