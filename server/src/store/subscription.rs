//! Catch-up then live, as one loop: read the log from the last position seen up to the durable head,
//! and when there is nothing left, sleep until the head moves. The switch from catch-up to live is
//! not a mode change, so there is no window in which an event can be skipped or seen twice.

use super::{Store, StoreError};
use app::wire::Envelope;
use tokio::sync::watch;

pub struct Subscription {
    store: Store,
    position: u64,
    head: watch::Receiver<u64>,
}

impl Subscription {
    pub(super) fn new(store: Store, after: u64) -> Self {
        let head = store.watch_head();
        Subscription {
            store,
            position: after,
            head,
        }
    }

    /// The next events after the position, at most `max`, waiting until there is at least one.
    pub async fn next_batch(&mut self, max: usize) -> Result<Vec<Envelope>, StoreError> {
        loop {
            let head = *self.head.borrow_and_update();
            if head > self.position {
                let events = self.store.read_all(self.position, max).await?;
                if let Some(last) = events.last() {
                    self.position = last.position;
                    return Ok(events);
                }
            }
            self.head.changed().await.map_err(|_| StoreError::Closed)?;
        }
    }
}
