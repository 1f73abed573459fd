//! The last version of each stream this node's writer committed, so that an append planned from a
//! read of its stream (every command's: `Exact(version)` as loaded) needs no lookup before commit.
//!
//! Why: the lookup was `ORDER BY version DESC LIMIT 1` on the `(stream, version)` index, a backward
//! seek, and SurrealKV's memtable seeks backward by walking from its last entry one by one (its
//! `SkiplistIterator::last` steps back until it is under the bound): the cost grew with everything
//! written since the last flush. A profile of `agora bench wallet` found half the writer thread's
//! time there, with the writer at 100 % of a core.
//!
//! What is remembered can be behind (another node appended; an import), never ahead: it is recorded
//! only after a commit. So memory settles an expected version only when it is not above what is
//! remembered: equal passes (a later append by another node is refused by the unique index, and the
//! writer explains the collision), lower is a conflict. Anything else is looked up.

use super::ExpectedVersion;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Streams remembered at most; past it, memory starts again (a lookup each, once).
const CAPACITY: usize = 100_000;

/// What this node knows of stream versions, shared by the writer (which records its commits) and
/// the store (which tells the command bus whether a state it kept is still the stream's latest).
#[derive(Default)]
pub(super) struct Memory {
    known: Mutex<KnownVersions>,
    /// How many times an append this node did not make was seen (another node's, an import's):
    /// from then on, what is remembered may be behind.
    elsewhere: AtomicU64,
}

impl Memory {
    pub(super) fn known(&self) -> MutexGuard<'_, KnownVersions> {
        self.known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The stream's last version as this node committed it, if remembered.
    pub(super) fn last(&self, stream: &str) -> Option<u64> {
        self.known().last(stream)
    }

    /// Notes that the log moved without this node's writer.
    pub(super) fn appended_elsewhere(&self) {
        self.elsewhere.fetch_add(1, Ordering::SeqCst);
    }

    pub(super) fn elsewhere(&self) -> u64 {
        self.elsewhere.load(Ordering::SeqCst)
    }
}

#[derive(Default)]
pub(super) struct KnownVersions {
    versions: HashMap<String, u64>,
}

impl KnownVersions {
    /// The stream's last version as this node committed it, if remembered.
    pub(super) fn last(&self, stream: &str) -> Option<u64> {
        self.versions.get(stream).copied()
    }

    /// The stream's version, when memory alone can check `expected` against it.
    pub(super) fn settles(&self, stream: &str, expected: ExpectedVersion) -> Option<u64> {
        let known = *self.versions.get(stream)?;
        match expected {
            ExpectedVersion::Exact(version) if version > 0 && version <= known => Some(known),
            _ => None,
        }
    }

    /// Records a committed version.
    pub(super) fn committed(&mut self, stream: &str, version: u64) {
        if self.versions.len() >= CAPACITY && !self.versions.contains_key(stream) {
            self.versions.clear();
        }
        let known = self.versions.entry(stream.to_owned()).or_default();
        *known = (*known).max(version);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_settles_only_what_it_cannot_get_wrong() {
        let mut known = KnownVersions::default();
        assert_eq!(
            known.settles("s", ExpectedVersion::Exact(3)),
            None,
            "never seen"
        );
        known.committed("s", 3);
        assert_eq!(known.settles("s", ExpectedVersion::Exact(3)), Some(3));
        assert_eq!(
            known.settles("s", ExpectedVersion::Exact(2)),
            Some(3),
            "a conflict"
        );
        // Another node may have appended 4: what is remembered can be behind, so 4 is looked up.
        assert_eq!(known.settles("s", ExpectedVersion::Exact(4)), None);
        // `Any` takes whatever is stored, which only a lookup knows.
        assert_eq!(known.settles("s", ExpectedVersion::Any), None);
        known.committed("s", 2);
        assert_eq!(
            known.settles("s", ExpectedVersion::Exact(3)),
            Some(3),
            "never lowered"
        );
    }
}
