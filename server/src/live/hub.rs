//! The hub: the recent changes of every topic, and who listens to which.
//!
//! Each change is serialised once, when it is published, into the exact text its frame carries;
//! every socket that receives it gets the same reference-counted bytes. Under the hub's one lock a
//! subscription is answered (what it missed, from the ring) and joins the live flow, so nothing
//! falls between the replay and the live changes, and nothing arrives out of order.

use super::members::Members;
use super::ring::{Kept, Topic};
use super::topics::Topics;
use super::{Change, Framed, Membership};
use app::wire::ServerFrame;
use axum::extract::ws::Utf8Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

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

struct State {
    topics: HashMap<String, Topic>,
    members: Members,
    /// Changes at or below this position were published before this hub started.
    floor: u64,
    /// The highest position the feeding read models have reached.
    position: u64,
    /// A read model was rebuilt at this position: what a client saw before it may not match.
    rebuilt_at: u64,
}

impl State {
    fn topic(&mut self, name: &str) -> &mut Topic {
        let floor = self.floor;
        self.topics
            .entry(name.to_owned())
            .or_insert_with(|| Topic::new(floor))
    }

    /// Sends a change to its topic's subscribers and, from a source, to its members' (but the one
    /// it skips), and keeps it in its topic's ring.
    fn deliver(&mut self, topics: &Topics, change: Framed, text: Utf8Bytes) {
        if change.position <= self.floor {
            return;
        }
        let topic = self.topic(&change.topic);
        topic.send(&text, &change.client_topic);
        topic.keep(Kept {
            position: change.position,
            frame: Some(text.clone()),
            except: change.except.clone(),
        });
        for member in self.members.reached(&change.topic) {
            if change.except.as_ref() == Some(member) {
                continue;
            }
            if let Some(topic) = self.topics.get_mut(member) {
                topic.send(&text, topics.client_topic(member));
            }
        }
    }

    fn join(&mut self, topics: &Topics, membership: &Membership) {
        self.members.apply(membership);
        if membership.refetch && membership.position > self.floor {
            self.invalidate(topics, &membership.member, membership.position);
        }
    }

    fn invalidate(&mut self, topics: &Topics, name: &str, position: u64) {
        let topic = self.topic(name);
        for (_, subscriber) in topic.subscribers.drain() {
            let _ = subscriber.lagged.send(topics.client_topic(name).to_owned());
        }
        topic.keep(Kept {
            position,
            frame: None,
            except: None,
        });
    }

    /// What the rings of `member` and of its sources hold above `after`, merged by position.
    fn replay(
        &self,
        member: &str,
        sources: &[String],
        after: u64,
    ) -> Result<Vec<Utf8Bytes>, Missing> {
        let rings: Vec<&Topic> = std::iter::once(member)
            .chain(sources.iter().map(String::as_str))
            .filter_map(|name| self.topics.get(name))
            .collect();
        let complete_after = rings
            .iter()
            .map(|ring| ring.complete_after)
            .max()
            .unwrap_or(self.floor);
        if after < complete_after {
            return Err(Missing::Before(complete_after));
        }
        let mut missed: Vec<&Kept> = rings
            .iter()
            .flat_map(|ring| ring.recent.iter())
            .filter(|kept| kept.position > after && kept.except.as_deref() != Some(member))
            .collect();
        // Stable: the member's own changes first at one position, as the journal merges them.
        missed.sort_by_key(|kept| kept.position);
        missed
            .into_iter()
            .map(|kept| {
                kept.frame.clone().ok_or_else(|| {
                    Missing::Resync(format!(
                        "changed at {} in a way no frame tells; refetch",
                        kept.position
                    ))
                })
            })
            .collect()
    }

    /// The last position published on `member` or any of its sources.
    fn last(&self, member: &str, sources: &[String]) -> u64 {
        std::iter::once(member)
            .chain(sources.iter().map(String::as_str))
            .filter_map(|name| self.topics.get(name))
            .map(|topic| topic.last)
            .max()
            .unwrap_or(self.floor)
    }
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
            members: Members::default(),
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
        self.publish_with(position, changes, vec![]);
    }

    /// [`Hub::publish`], with the memberships the batch changed, all in position order: at one
    /// position the memberships first, so the joins at an author's mark come before the post that
    /// made them.
    pub fn publish_with(
        &self,
        position: u64,
        changes: Vec<Change>,
        mut memberships: Vec<Membership>,
    ) {
        let frames = super::frames(&self.topics, changes);
        memberships.sort_by_key(|membership| membership.position);
        let mut memberships = memberships.into_iter().peekable();
        let mut state = self.lock();
        state.position = state.position.max(position);
        for (change, text) in frames {
            while let Some(membership) = memberships.next_if(|m| m.position <= change.position) {
                state.join(&self.topics, &membership);
            }
            state.deliver(&self.topics, change, text);
        }
        for membership in memberships {
            state.join(&self.topics, &membership);
        }
    }

    /// Sets the memberships of one family of sources to what a projector's tables hold.
    pub fn replace_memberships(&self, family: &str, pairs: Vec<(String, String)>) {
        self.lock().members.replace(family, pairs);
    }

    /// The sources whose changes also reach `member` (a resume from the journal reads them too).
    pub fn sources(&self, member: &str) -> Vec<String> {
        self.lock().members.sources(member)
    }

    /// Tells every subscriber of these topics to refetch, and refuses resumes from below `position`:
    /// a change was made to them out of order (a parked event applied late).
    pub fn invalidate(&self, position: u64, topics: &[String]) {
        let mut state = self.lock();
        for name in topics {
            state.invalidate(&self.topics, name, position);
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
    /// `subscribed` frame and whatever the journal answered), then what the rings of the topic and
    /// of its sources hold above `after`, and joins the live flow. Answers the `subscribed`
    /// position, or what is missing (nothing was queued then, and the subscriber did not join).
    pub fn subscribe(
        &self,
        topic_name: &str,
        after: Option<u64>,
        prefix: impl FnOnce(u64) -> Vec<Utf8Bytes>,
        subscriber: Subscriber,
    ) -> Result<(), Missing> {
        let mut state = self.lock();
        let rebuilt_at = state.rebuilt_at;
        let sources = state.members.sources(topic_name);
        state.topic(topic_name);
        let replay: Vec<Utf8Bytes> = match after {
            None => vec![],
            Some(after) if after < rebuilt_at => {
                return Err(Missing::Resync(format!(
                    "the read model was rebuilt at {rebuilt_at}, after {after}; refetch"
                )))
            }
            Some(after) => state.replay(topic_name, &sources, after)?,
        };
        let position = after.unwrap_or(0).max(state.last(topic_name, &sources));
        for frame in prefix(position).into_iter().chain(replay) {
            if subscriber.frames.try_send(Outgoing::Frame(frame)).is_err() {
                // Not even the replay fits: the client is far behind; it refetches instead.
                let _ = subscriber
                    .lagged
                    .send(self.topics.client_topic(topic_name).to_owned());
                return Ok(());
            }
        }
        state
            .topic(topic_name)
            .subscribers
            .insert(subscriber.id, subscriber);
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
