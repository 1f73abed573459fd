//! Turns on a stream: the commands on one stream are decided one after the other, each on the
//! state the one before it leaves, without waiting for that one's commit.
//!
//! Without turns, two commands decided at once on one stream both name the same version. The
//! writer commits the first and refuses the second, which is decided again after the first's
//! commit. So a hot stream (an account receiving half of all transfers) takes one command per
//! commit, whatever the writer's batches could hold. With turns, the second waits only until the
//! first is *queued* for the writer (microseconds). It is decided on the state the first leaves
//! (a guess), and names the version after it. Both share one commit.
//!
//! A guess is checked like memory is: a command decided on it names the guessed version, so if the
//! first append fails, the second is refused as stale by the store and decided again. A refusal or
//! a no-op writes nothing the store would check: one decided on a guess is decided again, once the
//! guess is settled, on what the log says (`CommandBus::execute`).

use super::states::Loaded;
use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, watch, OwnedMutexGuard};

type Slot = Arc<tokio::sync::Mutex<Option<Guess>>>;

/// The streams with a command deciding or a guess not yet settled.
#[derive(Default)]
pub(super) struct Turns {
    streams: Mutex<Streams>,
    /// Tells one guess from another left at the same version (after a failed append).
    tickets: AtomicU64,
}

#[derive(Default)]
struct Streams {
    slots: HashMap<String, Slot>,
    /// The size past which slots no one holds are swept out.
    sweep_at: usize,
}

/// Slots kept before the first sweep.
const FIRST_SWEEP_AT: usize = 1024;

impl Streams {
    /// Forgets every stream whose slot only the map holds: `tidy` misses one whose last holder
    /// went while another waited and then gave up (a dropped request), or whose guess was
    /// settled while another command held the turn.
    fn sweep_if_large(&mut self) {
        if self.slots.len() > self.sweep_at.max(FIRST_SWEEP_AT) {
            self.slots.retain(|_, slot| Arc::strong_count(slot) > 1);
            self.sweep_at = 2 * self.slots.len();
        }
    }
}

/// What a queued append will leave its stream at, once committed.
struct Guess {
    state: Box<dyn Any + Send>,
    version: u64,
    snapshot_at: u64,
    /// `None` while the append is queued; then whether it was committed.
    settled: watch::Receiver<Option<bool>>,
    ticket: u64,
}

impl Guess {
    fn pending(&self) -> bool {
        self.settled.borrow().is_none()
    }
}

impl Turns {
    fn streams(&self) -> std::sync::MutexGuard<'_, Streams> {
        self.streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for the stream's turn: the commands before it on the stream are queued.
    pub(super) async fn take(&self, stream: &str) -> Turn<'_> {
        let slot = {
            let mut streams = self.streams();
            streams.sweep_if_large();
            streams.slots.entry(stream.to_owned()).or_default().clone()
        };
        let guard = slot.clone().lock_owned().await;
        Turn {
            turns: self,
            stream: stream.to_owned(),
            slot,
            guard: Some(guard),
        }
    }

    /// Forgets a stream with nothing pending and nobody waiting for it.
    fn tidy(&self, stream: &str, slot: &Slot) {
        let mut streams = self.streams();
        // The map's own reference and the caller's: no one else holds or awaits the turn.
        if Arc::strong_count(slot) == 2 {
            streams.slots.remove(stream);
        }
    }
}

/// A stream's turn, held while its command decides and queues its append.
pub(super) struct Turn<'a> {
    turns: &'a Turns,
    stream: String,
    slot: Slot,
    guard: Option<OwnedMutexGuard<Option<Guess>>>,
}

impl<'a> Turn<'a> {
    fn guess(&mut self) -> &mut Option<Guess> {
        self.guard.as_mut().expect("held until the turn ends")
    }

    /// The state the last queued append will leave, while its commit is still to come.
    pub(super) fn guessed<S: Clone + 'static>(&mut self) -> Option<Loaded<S>> {
        let guess = self.guess().as_ref().filter(|guess| guess.pending())?;
        Some(Loaded {
            state: guess.state.downcast_ref::<S>()?.clone(),
            version: guess.version,
            snapshot_at: guess.snapshot_at,
        })
    }

    /// Waits, holding the turn, until the last queued append is committed or refused: what
    /// follows is decided on what memory or the log says, and no command can queue meanwhile.
    pub(super) async fn settle(&mut self) {
        let Some(guess) = self.guess().as_ref() else {
            return;
        };
        let mut settled = guess.settled.clone();
        // An error means the append's command is gone without saying: nothing left to wait for.
        let _ = settled.wait_for(Option::is_some).await;
        *self.guess() = None;
    }

    /// Ends the turn with a guess: the append just queued leaves the stream at `state`. The
    /// answer must be told whether it was committed.
    pub(super) fn leave<S: Send + 'static>(mut self, loaded: Loaded<S>) -> Outcome<'a> {
        let (sender, settled) = watch::channel(None);
        let ticket = self.turns.tickets.fetch_add(1, Ordering::Relaxed);
        *self.guess() = Some(Guess {
            state: Box::new(loaded.state),
            version: loaded.version,
            snapshot_at: loaded.snapshot_at,
            settled,
            ticket,
        });
        Outcome {
            turns: self.turns,
            stream: self.stream.clone(),
            slot: self.slot.clone(),
            ticket,
            sender,
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        if guard.as_ref().is_some_and(|guess| !guess.pending()) {
            *guard = None;
        }
        let idle = guard.is_none();
        drop(guard);
        if idle {
            self.turns.tidy(&self.stream, &self.slot);
        }
    }
}

/// The guess a turn left, to be settled by its append's answer.
pub(super) struct Outcome<'a> {
    turns: &'a Turns,
    stream: String,
    slot: Slot,
    ticket: u64,
    sender: watch::Sender<Option<bool>>,
}

impl Outcome<'_> {
    /// The append was committed: the guess was right.
    pub(super) fn committed(self) {
        self.sender.send_replace(Some(true));
    }
}

impl Drop for Outcome<'_> {
    /// An outcome dropped unsettled (its command's future was dropped while it waited for the
    /// commit) settles as not known to be committed: whoever decides next reads the log.
    fn drop(&mut self) {
        if self.sender.borrow().is_none() {
            self.sender.send_replace(Some(false));
        }
        // When the turn is free and still holds this guess, nothing waits on it: forget it. When
        // another command holds the turn, that one clears the settled guess as it ends.
        if let Ok(mut guess) = self.slot.try_lock() {
            if guess.as_ref().is_some_and(|g| g.ticket == self.ticket) {
                *guess = None;
            }
            let idle = guess.is_none();
            drop(guess);
            if idle {
                self.turns.tidy(&self.stream, &self.slot);
            }
        }
    }
}

/// Told when a command's append is in the writer's queue (or the command ended without one): a
/// policy's lane then starts its next reaction, which the stream's turn decides on this one's
/// guess (see `policies::Policy::pipelines`).
#[derive(Clone, Default)]
pub struct QueuedSignal(Arc<Mutex<Option<oneshot::Sender<()>>>>);

impl QueuedSignal {
    /// The signal, and what it wakes: ready once queued, or once every copy of the signal is gone.
    pub fn new() -> (QueuedSignal, oneshot::Receiver<()>) {
        let (sender, receiver) = oneshot::channel();
        (QueuedSignal(Arc::new(Mutex::new(Some(sender)))), receiver)
    }

    pub(super) fn fire(&self) {
        let sender = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(sender) = sender {
            let _ = sender.send(());
        }
    }
}

impl std::fmt::Debug for QueuedSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueuedSignal")
    }
}
