//! A policy's work in flight: the events read from the log but not yet reacted to, queued by lane,
//! and the watermark below which every event is done (what its checkpoint may say).
//!
//! Each lane with work has one worker; a lane's events are reacted to in log order, lanes
//! concurrently, and a lane starts on its next event as soon as its last is done, not when a whole
//! batch of every lane is. The reader keeps reading while lanes work, up to [`MAX_IN_FLIGHT`]
//! events ahead of the slowest.

use app::wire::Envelope;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

/// Events read but not yet done, at most: bounds the memory a slow lane can make the reader hold.
pub(super) const MAX_IN_FLIGHT: usize = 1_000;

pub(super) type Lane = Option<String>;

pub(super) struct Lanes {
    state: Mutex<State>,
    room: Arc<Semaphore>,
    watermark: watch::Sender<u64>,
}

struct State {
    /// The events of each lane with work, its worker's current event first. A lane is here exactly
    /// while its worker runs.
    queues: HashMap<Lane, VecDeque<Envelope>>,
    /// Positions handed to a lane and not done yet, each with its room in the reader's window.
    pending: BTreeMap<u64, OwnedSemaphorePermit>,
    /// The last position handed out.
    read: u64,
}

impl State {
    fn watermark(&self) -> u64 {
        self.pending
            .first_key_value()
            .map_or(self.read, |(first, _)| first - 1)
    }
}

impl Lanes {
    /// Lanes for a policy whose checkpoint is `from`.
    pub(super) fn new(from: u64) -> Arc<Lanes> {
        Arc::new(Lanes {
            state: Mutex::new(State {
                queues: HashMap::new(),
                pending: BTreeMap::new(),
                read: from,
            }),
            room: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            watermark: watch::channel(from).0,
        })
    }

    /// Changes whenever every event up to a higher position is done.
    pub(super) fn watermark(&self) -> watch::Receiver<u64> {
        self.watermark.subscribe()
    }

    /// Queues `event` (the next in log order) on its lane once there is room. Answers the event
    /// when its lane was idle: the caller starts that lane's worker with it.
    pub(super) async fn push(&self, lane: Lane, event: Envelope) -> Option<Envelope> {
        let permit = self
            .room
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let mut state = self.lock();
        state.pending.insert(event.position, permit);
        state.read = event.position;
        let queue = state.queues.entry(lane).or_default();
        let idle = queue.is_empty();
        let first = idle.then(|| event.clone());
        queue.push_back(event);
        first
    }

    /// Marks a lane's current event done; answers the lane's next event, or `None` when the lane
    /// is empty and its worker ends.
    pub(super) fn finish(&self, lane: &Lane) -> Option<Envelope> {
        let current = self.lock().queues.get(lane)?.front()?.position;
        let next = self.advance(lane);
        self.done(current);
        next
    }

    /// Moves a lane past its current event, which stays pending until [`Lanes::done`] (a
    /// pipelined reaction still committing); answers the next as [`Lanes::finish`] does.
    pub(super) fn advance(&self, lane: &Lane) -> Option<Envelope> {
        let mut state = self.lock();
        let queue = state.queues.get_mut(lane)?;
        queue.pop_front()?;
        let next = queue.front().cloned();
        if next.is_none() {
            state.queues.remove(lane);
        }
        next
    }

    /// Marks the event at `position` done: the watermark may pass it.
    pub(super) fn done(&self, position: u64) {
        let mut state = self.lock();
        state.pending.remove(&position);
        self.raise(&state);
    }

    /// Raises the watermark when a batch was read whole and nothing is pending (a read with no
    /// event for any lane still moves the checkpoint).
    pub(super) fn read_to(&self, position: u64) {
        let mut state = self.lock();
        state.read = state.read.max(position);
        self.raise(&state);
    }

    fn raise(&self, state: &State) {
        let watermark = state.watermark();
        self.watermark.send_if_modified(|known| {
            let raised = watermark > *known;
            *known = (*known).max(watermark);
            raised
        });
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(position: u64) -> Envelope {
        Envelope {
            position,
            ..Envelope::default()
        }
    }

    #[tokio::test]
    async fn a_lane_runs_its_events_in_order_and_the_watermark_waits_for_the_slowest() {
        let lanes = Lanes::new(0);
        let a = Some("a".to_string());
        let b = Some("b".to_string());
        assert_eq!(
            lanes.push(a.clone(), event(1)).await.map(|e| e.position),
            Some(1)
        );
        assert_eq!(
            lanes.push(b.clone(), event(2)).await.map(|e| e.position),
            Some(2)
        );
        // Lane a is busy: its next event waits for the worker instead of starting another.
        assert!(lanes.push(a.clone(), event(3)).await.is_none());
        lanes.read_to(3);
        let watermark = lanes.watermark();
        // b is done first: 1 is still pending, so nothing may be checkpointed yet.
        assert!(lanes.finish(&b).is_none());
        assert_eq!(*watermark.borrow(), 0);
        assert_eq!(lanes.finish(&a).map(|e| e.position), Some(3));
        assert_eq!(*watermark.borrow(), 2);
        assert!(lanes.finish(&a).is_none());
        assert_eq!(*watermark.borrow(), 3);
        // An idle lane takes a new event as its first again.
        assert_eq!(lanes.push(a, event(4)).await.map(|e| e.position), Some(4));
    }

    #[tokio::test]
    async fn a_pipelined_lane_moves_on_while_the_watermark_waits_for_its_commits() {
        let lanes = Lanes::new(0);
        let a = Some("a".to_string());
        lanes.push(a.clone(), event(1)).await;
        lanes.push(a.clone(), event(2)).await;
        lanes.read_to(2);
        let watermark = lanes.watermark();
        assert_eq!(lanes.advance(&a).map(|e| e.position), Some(2));
        assert!(
            lanes.advance(&a).is_none(),
            "the lane is empty: its worker ends"
        );
        // 2 committed before 1: nothing may be checkpointed until 1 is done too.
        lanes.done(2);
        assert_eq!(*watermark.borrow(), 0);
        lanes.done(1);
        assert_eq!(*watermark.borrow(), 2);
        // A lane whose events are all queued is idle: its next event starts a worker again.
        assert_eq!(lanes.push(a, event(3)).await.map(|e| e.position), Some(3));
    }

    #[tokio::test]
    async fn a_read_with_nothing_pending_moves_the_watermark() {
        let lanes = Lanes::new(10);
        lanes.read_to(25);
        assert_eq!(*lanes.watermark().borrow(), 25);
    }
}
