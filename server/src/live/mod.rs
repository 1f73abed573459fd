//! The live hub: read models publish changes on topics; sockets subscribe to topics.
//!
//! The promise of `shared/API.md`: after `subscribe` with `after: P`, every change to the topic with
//! a position above P arrives once, in order, or a `resync` is sent. The hub keeps the recent changes
//! of each topic; a subscription replays those above P and joins the live flow under one lock, so
//! nothing falls between the replay and the live changes. When P is older than what the hub kept
//! (or the subscriber cannot keep up) it answers `resync` and the client refetches.

mod feed;
mod socket;
pub mod topics;

pub use feed::feed_events;

pub use socket::websocket;

use app::wire::{ChangeKind, ServerFrame};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// How many recent changes each topic keeps for resuming subscribers.
const KEPT_PER_TOPIC: usize = 1000;

/// One change of a read model, on one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub topic: String,
    pub position: u64,
    pub kind: ChangeKind,
    pub data: Value,
}

impl Change {
    fn frame(&self) -> ServerFrame {
        ServerFrame::Change {
            topic: self.topic.clone(),
            position: self.position,
            kind: self.kind,
            data: self.data.clone(),
        }
    }
}

/// Where a subscriber's frames go: its socket's queue, and a line for "you fell behind on this topic".
#[derive(Clone)]
pub struct Subscriber {
    pub id: u64,
    pub frames: mpsc::Sender<ServerFrame>,
    pub lagged: mpsc::UnboundedSender<String>,
}

#[derive(Default)]
struct Topic {
    recent: VecDeque<Change>,
    /// Every change of this topic above this position is in `recent`.
    complete_after: u64,
    subscribers: HashMap<u64, Subscriber>,
}

struct State {
    topics: HashMap<String, Topic>,
    /// Changes at or below this position were published before this hub started.
    floor: u64,
    /// The highest position the feeding read models have reached.
    position: u64,
}

#[derive(Clone)]
pub struct Hub {
    state: Arc<Mutex<State>>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
}

impl Hub {
    /// A hub whose read models have reached `position`: older changes cannot be replayed.
    pub fn new(position: u64) -> Hub {
        let state = State {
            topics: HashMap::new(),
            floor: position,
            position,
        };
        Hub {
            state: Arc::new(Mutex::new(state)),
            next_id: Default::default(),
        }
    }

    /// Changes at or below this position are history this hub never pushes: clients that need it
    /// read it through the queries (a resuming subscriber below it is told to resync).
    pub fn floor(&self) -> u64 {
        self.lock().floor
    }

    pub fn next_subscriber_id(&self) -> u64 {
        self.next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Publishes changes (in position order) and records that the feed reached `position`.
    pub fn publish(&self, position: u64, changes: Vec<Change>) {
        let mut state = self.lock();
        state.position = state.position.max(position);
        let floor = state.floor;
        for change in changes.into_iter().filter(|c| c.position > floor) {
            let topic = state
                .topics
                .entry(change.topic.clone())
                .or_insert_with(|| Topic {
                    complete_after: floor,
                    ..Topic::default()
                });
            // Serialised once per change, and only when someone listens.
            let frame = (!topic.subscribers.is_empty()).then(|| change.frame());
            topic.subscribers.retain(|_, subscriber| {
                let Some(frame) = &frame else { return true };
                match subscriber.frames.try_send(frame.clone()) {
                    Ok(()) => true,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        let _ = subscriber.lagged.send(change.topic.clone());
                        false
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => false,
                }
            });
            topic.recent.push_back(change);
            if topic.recent.len() > KEPT_PER_TOPIC {
                if let Some(dropped) = topic.recent.pop_front() {
                    topic.complete_after = dropped.position;
                }
            }
        }
    }

    /// Subscribes and returns the frames to send first: `subscribed`, then the replay above `after`
    /// or a `resync` when the hub no longer has all of it.
    pub fn subscribe(
        &self,
        topic_name: &str,
        after: Option<u64>,
        subscriber: Subscriber,
    ) -> Vec<ServerFrame> {
        let mut state = self.lock();
        let (floor, position) = (state.floor, state.position);
        let topic = state
            .topics
            .entry(topic_name.to_owned())
            .or_insert_with(|| Topic {
                complete_after: floor,
                ..Topic::default()
            });
        let mut frames = vec![ServerFrame::Subscribed {
            topic: topic_name.to_owned(),
            position,
        }];
        match after {
            Some(after) if after < topic.complete_after => frames.push(ServerFrame::Resync {
                topic: topic_name.to_owned(),
                reason: format!("changes after {after} are no longer kept; refetch"),
            }),
            Some(after) => {
                frames.extend(
                    topic
                        .recent
                        .iter()
                        .filter(|c| c.position > after)
                        .map(Change::frame),
                );
            }
            None => {}
        }
        topic.subscribers.insert(subscriber.id, subscriber);
        frames
    }

    pub fn unsubscribe(&self, topic: &str, subscriber_id: u64) {
        if let Some(topic) = self.lock().topics.get_mut(topic) {
            topic.subscribers.remove(&subscriber_id);
        }
    }

    pub fn unsubscribe_all(&self, subscriber_id: u64) {
        for topic in self.lock().topics.values_mut() {
            topic.subscribers.remove(&subscriber_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(position: u64) -> Change {
        Change {
            topic: "public".into(),
            position,
            kind: ChangeKind::Upsert,
            data: Value::from(position),
        }
    }

    fn subscriber(hub: &Hub) -> (Subscriber, mpsc::Receiver<ServerFrame>) {
        let (frames, receiver) = mpsc::channel(8);
        let (lagged, _) = mpsc::unbounded_channel();
        (
            Subscriber {
                id: hub.next_subscriber_id(),
                frames,
                lagged,
            },
            receiver,
        )
    }

    #[test]
    fn a_resuming_subscriber_gets_what_it_missed_then_the_live_changes() {
        let hub = Hub::new(0);
        hub.publish(2, vec![change(1), change(2)]);
        let (sub, mut receiver) = subscriber(&hub);
        let first = hub.subscribe("public", Some(1), sub);
        assert_eq!(first.len(), 2, "subscribed + the change at 2: {first:?}");
        assert!(matches!(first[1], ServerFrame::Change { position: 2, .. }));
        hub.publish(3, vec![change(3)]);
        assert!(matches!(
            receiver.try_recv(),
            Ok(ServerFrame::Change { position: 3, .. })
        ));
    }

    #[test]
    fn a_position_older_than_the_hub_asks_for_a_resync() {
        let hub = Hub::new(10);
        let (sub, _receiver) = subscriber(&hub);
        let frames = hub.subscribe("public", Some(5), sub);
        assert!(matches!(frames[1], ServerFrame::Resync { .. }));
    }
}
