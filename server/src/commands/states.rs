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

use crate::store::Store;
use std::any::Any;
use std::collections::HashMap;
use std::sync::Mutex;

/// States kept at most; past it, memory starts again (a read each, once).
const CAPACITY: usize = 20_000;

type Stamp = (u64, u64);

struct Kept {
    version: u64,
    stamp: Stamp,
    state: Box<dyn Any + Send>,
}

#[derive(Default)]
pub(super) struct States {
    kept: Mutex<HashMap<String, Kept>>,
}

impl States {
    fn kept(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The stream's latest state and version, when memory has it for certain.
    pub(super) fn latest<S: Clone + 'static>(
        &self,
        store: &Store,
        stream: &str,
    ) -> Option<(S, u64)> {
        let remembered = store.remembered_version(stream)?;
        let stamp = store.memory_stamp();
        let kept = self.kept();
        let entry = kept.get(stream)?;
        if entry.version != remembered || entry.stamp != stamp {
            return None;
        }
        Some((entry.state.downcast_ref::<S>()?.clone(), entry.version))
    }

    /// Keeps `state` at `version`, read or decided under `stamp` (taken before the read began):
    /// not when memory may have become untrue meanwhile, nor over a newer state.
    pub(super) fn keep<S: Send + 'static>(
        &self,
        store: &Store,
        stream: &str,
        state: S,
        version: u64,
        stamp: Stamp,
    ) {
        if store.memory_stamp() != stamp {
            return;
        }
        let mut kept = self.kept();
        if let Some(entry) = kept.get(stream) {
            if entry.stamp == stamp && entry.version >= version {
                return;
            }
        } else if kept.len() >= CAPACITY {
            kept.clear();
        }
        let state = Box::new(state);
        kept.insert(
            stream.to_owned(),
            Kept {
                version,
                stamp,
                state,
            },
        );
    }

    /// Drops what is kept of a stream (an append decided on it was refused as stale).
    pub(super) fn forget(&self, stream: &str) {
        self.kept().remove(stream);
    }
}
