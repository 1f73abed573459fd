//! The state each stream was last decided on or loaded at, kept so that the next command on the
//! stream is decided without reading it: the transfer process's every step loads an account or a
//! transfer that the step before it (or the previous transfer) has just written.
//!
//! A kept state is used only while it is certainly the stream's latest: its version must be the
//! one this node's writer last committed to the stream ([`Store::remembered_version`]), and nothing
//! that could make memory untrue may have happened since it was kept ([`Store::memory_stamp`]: an
//! append by another node or an import, an erasure). Even a state that passed and was stale
//! (another node appended within its poll interval) costs no correctness: the append names the
//! version it was decided on, the store's unique index refuses it, and the bus forgets the state
//! and decides again on what it reads.

use crate::store::{MemoryStamp as Stamp, Store};
use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// States kept at most; past it, memory starts again (a read each, once).
const CAPACITY: usize = 20_000;

/// A stream's state as the bus holds it: with its version, and the version its last snapshot
/// was taken at (so that streams decided on memory, never read, are still snapshotted).
#[derive(Debug, Clone, Default)]
pub(super) struct Loaded<S> {
    pub(super) state: S,
    pub(super) version: u64,
    pub(super) snapshot_at: u64,
}

struct Kept {
    version: u64,
    snapshot_at: u64,
    stamp: Stamp,
    state: Box<dyn Any + Send>,
}

#[derive(Default)]
struct Memory {
    states: HashMap<String, Kept>,
    /// The erasure count the states were kept under: when it moves, they all go, since a state
    /// may hold what an erased person wrote.
    erasures: u64,
}

/// How often a load was answered from memory and how often it read the log (`/metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateLoads {
    pub from_memory: u64,
    pub from_log: u64,
    /// Decided on what an append still queued for the writer will leave (`turns.rs`).
    pub from_guess: u64,
}

#[derive(Default)]
pub(super) struct States {
    memory: Mutex<Memory>,
    from_memory: AtomicU64,
    from_log: AtomicU64,
    from_guess: AtomicU64,
}

impl States {
    fn locked(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Memory, emptied first if someone was erased since it was filled.
    fn memory(&self, stamp: Stamp) -> std::sync::MutexGuard<'_, Memory> {
        let mut memory = self.locked();
        // Only forward: a caller holding an older stamp must not undo a newer clearing.
        if stamp.1 > memory.erasures {
            memory.states.clear();
            memory.erasures = stamp.1;
        }
        memory
    }

    /// The stream's latest state and version, when memory has it for certain.
    pub(super) fn latest<S: Clone + 'static>(
        &self,
        store: &Store,
        stream: &str,
    ) -> Option<Loaded<S>> {
        let remembered = store.remembered_version(stream)?;
        let stamp = store.memory_stamp();
        let memory = self.memory(stamp);
        let entry = memory.states.get(stream)?;
        if entry.version != remembered || entry.stamp != stamp {
            return None;
        }
        let latest = Loaded {
            state: entry.state.downcast_ref::<S>()?.clone(),
            version: entry.version,
            snapshot_at: entry.snapshot_at,
        };
        self.from_memory.fetch_add(1, Ordering::Relaxed);
        Some(latest)
    }

    /// Counts a load that read the log.
    pub(super) fn read(&self) {
        self.from_log.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a decision on a guess.
    pub(super) fn guessed(&self) {
        self.from_guess.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps a state, read or decided under `stamp` (taken before the read began): not when
    /// memory may have become untrue meanwhile, nor over a newer state.
    pub(super) fn keep<S: Send + 'static>(
        &self,
        store: &Store,
        stream: &str,
        loaded: Loaded<S>,
        stamp: Stamp,
    ) {
        let version = loaded.version;
        if store.memory_stamp() != stamp {
            return;
        }
        let mut memory = self.memory(stamp);
        if let Some(entry) = memory.states.get(stream) {
            if entry.stamp == stamp && entry.version >= version {
                return;
            }
        } else if memory.states.len() >= CAPACITY {
            memory.states.clear();
        }
        memory.states.insert(
            stream.to_owned(),
            Kept {
                version,
                snapshot_at: loaded.snapshot_at,
                stamp,
                state: Box::new(loaded.state),
            },
        );
    }

    /// Drops what is kept of a stream (an append decided on it was refused as stale).
    pub(super) fn forget(&self, stream: &str) {
        self.locked().states.remove(stream);
    }

    /// Drops every kept state (an erased person is being forgotten).
    pub(super) fn forget_all(&self) {
        self.locked().states.clear();
    }

    pub(super) fn loads(&self) -> StateLoads {
        StateLoads {
            from_memory: self.from_memory.load(Ordering::Relaxed),
            from_log: self.from_log.load(Ordering::Relaxed),
            from_guess: self.from_guess.load(Ordering::Relaxed),
        }
    }
}
