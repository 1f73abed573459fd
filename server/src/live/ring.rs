//! One topic in the hub: its ring of recent changes (the cache in front of the journal) and its
//! subscribers.

use super::hub::{Outgoing, Subscriber};
use axum::extract::ws::Utf8Bytes;
use std::collections::{HashMap, VecDeque};
use tokio::sync::mpsc;

/// How many recent changes each topic keeps for resuming subscribers: the cache in front of the
/// journal.
const KEPT_PER_TOPIC: usize = 1000;

/// A change kept for resumes: its position and its frame's text (`None` marks a point below which
/// the topic cannot be resumed, see `Hub::invalidate`), and on a source topic the member it skips.
pub(super) struct Kept {
    pub position: u64,
    pub frame: Option<Utf8Bytes>,
    pub except: Option<String>,
}

pub(super) struct Topic {
    pub recent: VecDeque<Kept>,
    /// Every change of this topic above this position is in `recent`.
    pub complete_after: u64,
    /// The last position published on this topic (or the floor).
    pub last: u64,
    pub subscribers: HashMap<u64, Subscriber>,
}

impl Topic {
    pub fn new(floor: u64) -> Topic {
        Topic {
            recent: VecDeque::new(),
            complete_after: floor,
            last: floor,
            subscribers: HashMap::new(),
        }
    }

    pub fn keep(&mut self, kept: Kept) {
        self.last = self.last.max(kept.position);
        self.recent.push_back(kept);
        if self.recent.len() > KEPT_PER_TOPIC {
            if let Some(dropped) = self.recent.pop_front() {
                self.complete_after = dropped.position;
            }
        }
    }

    /// Queues a frame to every subscriber; one whose queue is full leaves and is told to resync.
    pub fn send(&mut self, text: &Utf8Bytes, client_topic: &str) {
        self.subscribers.retain(|_, subscriber| {
            match subscriber.frames.try_send(Outgoing::Frame(text.clone())) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    let _ = subscriber.lagged.send(client_topic.to_owned());
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        });
    }
}
