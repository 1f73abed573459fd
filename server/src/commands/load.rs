//! Loading a stream's state for a decision: from the bus's memory when it is certain
//! (`states.rs`), else from the stream's latest snapshot and the events after it.

use super::states::{Loaded, StateLoads};
use super::{CommandBus, CommandError};
use crate::aggregate::{Aggregate, DomainEvent};
use crate::store::{MemoryStamp, Snapshot, StoreError};

impl CommandBus {
    /// A stream's state folded by its aggregate, with the stream's version: the state kept from the
    /// last command on it when that is certainly the latest, else read.
    pub async fn load<A: Aggregate>(&self, stream: &str) -> Result<(A::State, u64), CommandError> {
        let loaded = match self.states.latest::<A::State>(&self.store, stream) {
            Some(latest) => latest,
            None => self.read::<A>(stream).await?,
        };
        Ok((loaded.state, loaded.version))
    }

    /// How often loads were answered from memory, and how often they read the log.
    pub fn state_loads(&self) -> StateLoads {
        self.states.loads()
    }

    /// Drops every state kept in memory: an erased person's must not outlive their key.
    pub fn forget_states(&self) {
        self.states.forget_all();
    }

    /// Reads a stream and folds it, and keeps the state for the next command on it.
    pub(super) async fn read<A: Aggregate>(
        &self,
        stream: &str,
    ) -> Result<Loaded<A::State>, CommandError> {
        self.states.read();
        let stamp = self.store.memory_stamp();
        let loaded = self.fold::<A>(stream, stamp).await?;
        if self.store.remembered_version(stream) == Some(loaded.version) {
            self.states.keep(&self.store, stream, loaded.clone(), stamp);
        }
        Ok(loaded)
    }

    /// Folds a stream from its latest snapshot plus the events after it.
    async fn fold<A: Aggregate>(
        &self,
        stream: &str,
        stamp: MemoryStamp,
    ) -> Result<Loaded<A::State>, CommandError> {
        let (snapshot, mut tail) = self
            .store
            .read_from_snapshot(stream, A::STATE_SHAPE)
            .await?;
        let snapshot = snapshot.map(|s| (serde_json::from_value::<A::State>(s.state), s.version));
        let (state, from) = match snapshot {
            Some((Ok(state), version)) => (state, version),
            // A snapshot of this shape that does not parse is a bug to see, not a state to
            // build on: the tail was read after it, so the whole stream is read instead.
            Some((Err(error), _)) => {
                tracing::warn!(%stream, %error, "snapshot unreadable; folding the whole stream");
                // Dropped, or a new one (never over a newer version) would never replace it.
                self.store.drop_snapshot(stream).await?;
                tail = self.store.read_stream(stream, 0).await?;
                (A::State::default(), 0)
            }
            None => (A::State::default(), 0),
        };
        let version = tail.last().map_or(from, |e| e.version);
        let events = tail
            .iter()
            .map(|e| A::Event::from_parts(&e.event_type, &e.data))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(format!("{stream}: {e}")))?;
        let state = events.iter().fold(state, A::evolve);
        let snapshot_at = self.snapshot_if_due::<A>(stream, &state, version, from, stamp);
        Ok(Loaded {
            state,
            version,
            snapshot_at,
        })
    }

    /// Takes a snapshot when the stream grew [`Aggregate::SNAPSHOT_EVERY`] events past the last
    /// one; answers the version of the latest snapshot. Not when the memory stamp moved since the
    /// state was read (`stamp`): the state may hold what an erasure has just made unreadable.
    pub(super) fn snapshot_if_due<A: Aggregate>(
        &self,
        stream: &str,
        state: &A::State,
        version: u64,
        snapshot_at: u64,
        stamp: MemoryStamp,
    ) -> u64 {
        if version < snapshot_at + A::SNAPSHOT_EVERY || self.store.memory_stamp() != stamp {
            return snapshot_at;
        }
        self.snapshot::<A>(stream, state, version);
        version
    }

    /// Saves a snapshot in the background: a failure costs only a longer load next time.
    fn snapshot<A: Aggregate>(&self, stream: &str, state: &A::State, version: u64) {
        let Ok(state) = serde_json::to_value(state) else {
            return;
        };
        let (store, stream) = (self.store.clone(), stream.to_owned());
        tokio::spawn(async move {
            let snapshot = Snapshot { version, state };
            if let Err(error) = store
                .save_snapshot(&stream, A::STATE_SHAPE, &snapshot)
                .await
            {
                tracing::warn!(%stream, %error, "snapshot not saved");
            }
        });
    }
}
