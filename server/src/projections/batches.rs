//! How a runner's batches are made: pages of the log read ahead on a thread of their own, several
//! pages taken into one transaction while catching up, and a few milliseconds gathered when live.

use app::wire::Envelope;
use std::time::Duration;
use tokio::sync::mpsc::{Receiver, Sender};

/// Events per transaction while catching up (live, batches are as small as the traffic).
const BATCH: usize = 500;
/// Pages read ahead of the batch being applied.
pub(super) const READ_AHEAD: usize = 4;
/// At most this many events in one transaction when pages queue up.
const MAX_COALESCED: usize = 4 * BATCH;
/// A live batch smaller than this waits up to [`GATHER`] for more events before it commits: under
/// steady traffic (hundreds of commands a second) each fsynced commit then carries a few
/// milliseconds of events instead of one or two, which halves the commits and the time projectors
/// take from the write side; an idle system pays the wait once per event, far below what a person
/// notices (measured in docs/benchmarks.md).
const GATHER_BELOW: usize = 64;
const GATHER: Duration = Duration::from_millis(4);

/// The next batch to apply: what waits in the channel (up to [`MAX_COALESCED`]), and, when that
/// is small, what arrives within [`GATHER`]. `None` once the reader has stopped.
pub(super) async fn next_batch(next: &mut Receiver<Vec<Envelope>>) -> Option<Vec<Envelope>> {
    let mut batch = next.recv().await?;
    // Catching up, pages wait in the channel: one transaction takes several of them.
    while batch.len() < MAX_COALESCED {
        match next.try_recv() {
            Ok(more) => batch.extend(more),
            Err(_) => break,
        }
    }
    let deadline = tokio::time::Instant::now() + GATHER;
    while batch.len() < GATHER_BELOW {
        match tokio::time::timeout_at(deadline, next.recv()).await {
            Ok(Some(more)) => batch.extend(more),
            Ok(None) | Err(_) => break,
        }
    }
    Some(batch)
}

/// Sends the log's pages to a runner until it stops listening or the store closes.
pub(super) async fn read_ahead(
    name: &'static str,
    mut subscription: crate::store::Subscription,
    batches: Sender<Vec<Envelope>>,
) {
    while !batches.is_closed() {
        match subscription.next_batch(BATCH).await {
            Ok(batch) => {
                if batches.send(batch).await.is_err() {
                    return;
                }
            }
            Err(crate::store::StoreError::Closed) => return,
            Err(error) => {
                tracing::error!(projector = name, %error, "reading the log failed");
                tokio::time::sleep(super::runner::MAX_BACKOFF).await;
            }
        }
    }
}
