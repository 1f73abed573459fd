//! The hub: the recent changes of every topic, and who listens to which.
//!
//! Each change is serialised once, when it is published, into the exact text its frame carries;
//! every socket that receives it gets the same reference-counted bytes. Under the hub's one lock a
//! subscription is answered (what it missed, from the ring) and joins the live flow, so nothing
//! falls between the replay and the live changes, and nothing arrives out of order.

use super::topics::Topics;
use super::Change;
use app::wire::ServerFrame;
use axum::extract::ws::Utf8Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// How many recent changes each topic keeps for resuming subscribers: the cache in front of the
/// journal.
const KEPT_PER_TOPIC: usize = 1000;

/// What a socket's send task is handed: a frame's text, or the close that ends the socket.
#[derive(Debug, Clone)]
pub enum Outgoing {
    Frame(Utf8Bytes),
    Close(u16, &'static str),
}

/// Where one socket's frames go. Its queue is bounded: a subscriber whose queue is full is dropped
/// from the topic and told to resync, so a stalled reader costs nobody else anything.
#[derive(Clone)]
pub struct Subscriber {
    pub id: u64,
    pub frames: mpsc::Sender<Outgoing>,
    /// Unbounded, but it holds at most one line per topic: a lagging subscriber leaves the topic.
    pub lagged: mpsc::UnboundedSender<String>,
}

/// A change kept for resumes: its position and its frame's text (`None` marks a point below which
/// the topic cannot be resumed, see [`Hub::invalidate`]).
struct Kept {
    position: u64,
    frame: Option<Utf8Bytes>,
}

struct Topic {
    recent: VecDeque<Kept>,
    /// Every change of this topic above this position is in `recent`.
    complete_after: u64,
    /// The last position published on this topic (or the floor).
    last: u64,
    subscribers: HashMap<u64, Subscriber>,
}

impl Topic {
    fn new(floor: u64) -> Topic {
        Topic {
            recent: VecDeque::new(),
            complete_after: floor,
            last: floor,
            subscribers: HashMap::new(),
        }
    }

    fn keep(&mut self, kept: Kept) {
        self.last = self.last.max(kept.position);
        self.recent.push_back(kept);
        if self.recent.len() > KEPT_PER_TOPIC {
            if let Some(dropped) = self.recent.pop_front() {
                self.complete_after = dropped.position;
            }
        }
    }
}

struct State {
    topics: HashMap<String, Topic>,
    /// Changes at or below this position were published before this hub started.
    floor: u64,
    /// The highest position the feeding read models have reached.
    position: u64,
    /// A read model was rebuilt at this position: what a client saw before it may not match.
    rebuilt_at: u64,
}

/// Why a subscription was not answered from the ring.
#[derive(Debug, PartialEq, Eq)]
pub enum Missing {
    /// The ring keeps only what came after this position: the journal must answer up to it.
    Before(u64),
    /// The topic cannot be resumed from this position (rebuilt, or invalidated since): refetch.
    Resync(String),
}

#[derive(Clone)]
pub struct Hub {
    state: Arc<Mutex<State>>,
    topics: Topics,
    next_id: Arc<AtomicU64>,
}

impl Hub {
    /// A hub whose read models have reached `position`; `topics` names frames as clients know them.
    pub fn new(position: u64, topics: Topics) -> Hub {
        let state = State {
            topics: HashMap::new(),
            floor: position,
            position,
            rebuilt_at: 0,
        };
        Hub {
            state: Arc::new(Mutex::new(state)),
            topics,
            next_id: Default::default(),
        }
    }

    /// A hub no socket reads (offline tools that run the projectors).
    pub fn without_sockets(position: u64) -> Hub {
        Hub::new(position, Topics::new(&[]))
    }

    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    pub fn next_subscriber_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The text of a frame, serialised once for everyone.
    pub fn text(frame: &ServerFrame) -> Utf8Bytes {
        serde_json::to_string(frame)
            .expect("frames serialize")
            .into()
    }

    /// Publishes a batch's changes (sent in position order, see [`super::frames`]) and records
    /// that the feed reached `position`.
    pub fn publish(&self, position: u64, changes: Vec<Change>) {
        let frames = super::frames(&self.topics, changes);
        let mut state = self.lock();
        state.position = state.position.max(position);
        let floor = state.floor;
        for (change, text) in frames {
            if change.position <= floor {
                continue;
            }
            let topic = state
                .topics
                .entry(change.topic)
                .or_insert_with(|| Topic::new(floor));
            topic.subscribers.retain(|_, subscriber| {
                match subscriber.frames.try_send(Outgoing::Frame(text.clone())) {
                    Ok(()) => true,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        let _ = subscriber.lagged.send(change.client_topic.clone());
                        false
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => false,
                }
            });
            topic.keep(Kept {
                position: change.position,
                frame: Some(text),
            });
        }
    }

    /// Tells every subscriber of these topics to refetch, and refuses resumes from below `position`:
    /// a change was made to them out of order (a parked event applied late).
    pub fn invalidate(&self, position: u64, topics: &[String]) {
        let mut state = self.lock();
        let floor = state.floor;
        for name in topics {
            let topic = state
                .topics
                .entry(name.clone())
                .or_insert_with(|| Topic::new(floor));
            for (_, subscriber) in topic.subscribers.drain() {
                let _ = subscriber
                    .lagged
                    .send(self.topics.client_topic(name).to_owned());
            }
            topic.keep(Kept {
                position,
                frame: None,
            });
        }
    }

    /// Forgets every frame kept (they may quote a person erased since): every subscriber refetches,
    /// and resumes from below `position` too. Rare (an erasure), so it is allowed to be blunt.
    pub fn forget_all(&self, position: u64) {
        let mut state = self.lock();
        state.rebuilt_at = state.rebuilt_at.max(position);
        let names: Vec<String> = state.topics.keys().cloned().collect();
        for name in names {
            let Some(topic) = state.topics.get_mut(&name) else {
                continue;
            };
            topic.recent.clear();
            topic.complete_after = topic.last.max(position);
            for (_, subscriber) in topic.subscribers.drain() {
                let _ = subscriber
                    .lagged
                    .send(self.topics.client_topic(&name).to_owned());
            }
        }
    }

    /// A read model was rebuilt and serves from `position` on: resumes from below it must refetch.
    pub fn rebuilt(&self, position: u64) {
        let mut state = self.lock();
        state.rebuilt_at = state.rebuilt_at.max(position);
    }

    /// Subscribes after `after` (`None`: from now). Under one lock: queues `prefix` (the
    /// `subscribed` frame and whatever the journal answered), then what the ring holds above
    /// `after`, and joins the live flow. Answers the `subscribed` position, or what is missing
    /// (nothing was queued then, and the subscriber did not join).
    pub fn subscribe(
        &self,
        topic_name: &str,
        after: Option<u64>,
        prefix: impl FnOnce(u64) -> Vec<Utf8Bytes>,
        subscriber: Subscriber,
    ) -> Result<(), Missing> {
        let mut state = self.lock();
        let (floor, rebuilt_at) = (state.floor, state.rebuilt_at);
        let topic = state
            .topics
            .entry(topic_name.to_owned())
            .or_insert_with(|| Topic::new(floor));
        let replay: Vec<Utf8Bytes> = match after {
            None => vec![],
            Some(after) if after < rebuilt_at => {
                return Err(Missing::Resync(format!(
                    "the read model was rebuilt at {rebuilt_at}, after {after}; refetch"
                )))
            }
            Some(after) if after < topic.complete_after => {
                return Err(Missing::Before(topic.complete_after))
            }
            Some(after) => {
                let missed = topic.recent.iter().filter(|kept| kept.position > after);
                let mut replay = vec![];
                for kept in missed {
                    match &kept.frame {
                        Some(frame) => replay.push(frame.clone()),
                        None => {
                            return Err(Missing::Resync(format!(
                                "changed out of order at {}; refetch",
                                kept.position
                            )))
                        }
                    }
                }
                replay
            }
        };
        let position = after.unwrap_or(0).max(topic.last);
        for frame in prefix(position).into_iter().chain(replay) {
            if subscriber.frames.try_send(Outgoing::Frame(frame)).is_err() {
                // Not even the replay fits: the client is far behind; it refetches instead.
                let _ = subscriber
                    .lagged
                    .send(self.topics.client_topic(topic_name).to_owned());
                return Ok(());
            }
        }
        topic.subscribers.insert(subscriber.id, subscriber);
        Ok(())
    }

    pub fn unsubscribe(&self, topic: &str, subscriber_id: u64) {
        if let Some(topic) = self.lock().topics.get_mut(topic) {
            topic.subscribers.remove(&subscriber_id);
        }
    }

    pub fn unsubscribe_all(&self, subscriber_id: u64, topics: &[String]) {
        let mut state = self.lock();
        for name in topics {
            if let Some(topic) = state.topics.get_mut(name) {
                topic.subscribers.remove(&subscriber_id);
            }
        }
    }

    /// How many sockets listen to a topic.
    #[cfg(test)]
    fn subscribers(&self, topic: &str) -> usize {
        self.lock()
            .topics
            .get(topic)
            .map_or(0, |topic| topic.subscribers.len())
    }
}

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
