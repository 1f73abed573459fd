//! The event store: the system of record, and the only code that touches the event tables.
//!
//! # Guarantees and how they are kept
//! - **All or nothing.** Every event of one append (one command) is written in one transaction.
//! - **Optimistic concurrency.** An append names the stream version it was decided on; a concurrent
//!   append of the same version fails, which the store answers as [`StoreError::Conflict`]. The
//!   writer reads the stream's last version as it plans, and the head check below makes any commit
//!   since re-plan; appends planned without that read (`Exact(0)`, `NoStream`), imports and other
//!   nodes meet the unique index on `(stream, version)`. Versions are contiguous from 1 in every
//!   stream.
//! - **Idempotency.** Every event records its command id and its index within the command under a
//!   unique index, so a command id is appended at most once, even when two nodes race; a command that
//!   appended nothing is recorded in the `command` table. [`Store::find_command`] returns the first
//!   answer.
//! - **Gap-free global positions in commit order.** Each transaction reads and rewrites the head
//!   counter `meta:head`; SurrealDB's optimistic transactions make two concurrent appends conflict on
//!   it, so commits serialise and positions are handed out in commit order, with no gap (an aborted
//!   append rolls its counter update back). This holds for several app nodes on one SurrealDB server
//!   too: each node's writer checks the head it planned with inside the transaction and re-plans when
//!   another node moved it.
//! - **Group commit.** One writer per node (on a thread of its own, see `crate::dedicated`) takes
//!   every append waiting and commits them in one transaction, so throughput grows with concurrency
//!   (see `writer.rs`).
//! - **Durable before visible.** Subscribers only read up to the *durable head*, which the writer
//!   raises after the commit (and SurrealKV's `sync=every` fsync) has returned. Appends by another node
//!   are noticed by polling `meta:head`; they are read once that node has committed them.
//! - **Immutability.** The schema refuses any change to an event (see `schema.rs`).
//! - **Only the guarantees on the commit.** An append writes its rows, the two unique indexes and the
//!   head counter. The admin's filters are the event index (`index.rs`), a projector of the log, and
//!   their answers say how far it had got (`query/`).
//! - **Snapshots.** A long stream loads from its latest snapshot plus the events after it
//!   (`snapshot.rs`); snapshots are a cache beside the log, never part of it.

mod answer;
mod append;
mod import;
pub mod index;
mod personal;
mod query;
mod read;
mod recent;
mod rewrite;
mod rows;
mod schema;
mod snapshot;
mod subscription;
mod upcast;
mod vault;
mod versions;
mod writer;

pub use append::{Append, Appended, CommandRecord, ExpectedVersion, Metadata, NewEvent, Queued};
pub use import::{check as check_import, check_ids as check_import_ids, ImportError};
pub use index::IndexState;
pub use personal::{Personal, PersonalData, PersonalFields, SEALED};
pub use query::{Direction, EventFilter, Queried, MAX_SCANNED, MAX_TAIL};
pub use rewrite::Rewritten;
pub use snapshot::Snapshot;
pub use subscription::Subscription;
pub use upcast::{Upcaster, Upcasters};
pub use vault::{Key, Vault};

use crate::db::Db;
use app::wire::Envelope;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stream {stream} is at version {actual}, not {expected:?}")]
    Conflict {
        stream: String,
        expected: ExpectedVersion,
        actual: u64,
    },
    #[error("database: {0}")]
    Database(#[from] surrealdb::Error),
    #[error("stored data: {0}")]
    Corrupt(String),
    #[error("the store is shutting down")]
    Closed,
    #[error("the store cannot run: {0}")]
    Unavailable(String),
    /// The person was erased: nothing personal of theirs can be written any more.
    #[error("{0} was erased")]
    Erased(String),
}

/// What [`Store::memory_stamp`] answers: appends seen from elsewhere, and erasures, so far.
pub type MemoryStamp = (u64, u64);

/// The handle everything else uses. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    appends: mpsc::Sender<writer::Pending>,
    durable_head: watch::Receiver<u64>,
    /// For appends that bypass the writer (imports) to raise the head once committed.
    raise_head: watch::Sender<u64>,
    /// The contexts' upcasters, applied to every event read.
    upcasters: Upcasters,
    /// Which fields of the contexts' events are personal, sealed on append.
    personal: PersonalData,
    /// The keys that open them.
    vault: Vault,
    /// The newest events as read, shared by the subscribers following the head.
    recent: recent::Recent,
    /// The stream versions this node's writer committed.
    memory: Arc<versions::Memory>,
}

/// How often a node looks for appends made by other nodes on the same database.
const REMOTE_POLL: Duration = Duration::from_millis(250);

impl Store {
    /// Defines the schema (once per schema version) and starts this node's writer. Every event read
    /// is opened (its personal data, see `personal.rs`) and lifted to its current schema by
    /// `upcasters`.
    pub async fn open(
        db: Db,
        upcasters: Upcasters,
        personal: PersonalData,
    ) -> Result<Store, StoreError> {
        schema::ensure(&db).await?;
        let vault = Vault::open(db.clone()).await?;
        let head = read::stored_head(&db).await?;
        let (head_tx, head_rx) = watch::channel(head);
        let memory = Arc::new(versions::Memory::default());
        let (appends, commit_lock) = writer::spawn(db.clone(), head_tx.clone(), memory.clone())
            .map_err(|error| StoreError::Unavailable(format!("starting the writer: {error}")))?;
        tokio::spawn(writer::watch_remote_head(
            db.clone(),
            head_tx.clone(),
            commit_lock,
            memory.clone(),
            REMOTE_POLL,
        ));
        Ok(Store {
            inner: Arc::new(Inner {
                db,
                appends,
                durable_head: head_rx,
                raise_head: head_tx,
                upcasters,
                personal,
                vault,
                recent: recent::Recent::default(),
                memory,
            }),
        })
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The key store of the events' personal data.
    pub fn vault(&self) -> &Vault {
        &self.inner.vault
    }

    /// Appends the events of one command atomically; answers once they are durable.
    pub async fn append(&self, append: Append) -> Result<Appended, StoreError> {
        self.queue(append).await?.committed().await
    }

    /// Seals the append and puts it in the writer's queue, behind every append queued before it:
    /// whoever queues next on the same stream may decide on what this one leaves (the command
    /// bus's turns, `commands/turns.rs`). The answer comes with [`Queued::committed`].
    pub async fn queue(&self, mut append: Append) -> Result<Queued, StoreError> {
        let started = std::time::Instant::now();
        for event in &mut append.events {
            self.inner.personal.seal(&self.inner.vault, event).await?;
        }
        let events = append.events.len();
        let (reply, answer) = oneshot::channel();
        self.inner
            .appends
            .send(writer::Pending { append, reply })
            .await
            .map_err(|_| StoreError::Closed)?;
        Ok(Queued {
            answer,
            started,
            events,
        })
    }

    /// Records that a command appended nothing, so the same command id answers the same again.
    pub async fn record_noop(&self, command_id: Uuid) -> Result<CommandRecord, StoreError> {
        rows::record_noop(&self.inner.db, command_id, self.head()).await
    }

    /// The position of the last durable event.
    pub fn head(&self) -> u64 {
        *self.inner.durable_head.borrow()
    }

    fn raise_head(&self, position: u64) {
        self.inner.memory.appended_elsewhere();
        self.inner.raise_head.send_if_modified(|head| {
            let raised = position > *head;
            *head = (*head).max(position);
            raised
        });
    }

    /// The stream's last version as this node's writer committed it, when it remembers. Never
    /// ahead of the log; behind it once another node or an import appended to the stream, which
    /// [`Store::memory_stamp`] tells.
    pub fn remembered_version(&self, stream: &str) -> Option<u64> {
        self.inner.memory.last(stream)
    }

    /// Changes whenever something this node keeps in memory of the log may have become untrue: an
    /// append it did not make was seen (another node's, an import's), or a person was erased
    /// (whose opened data must not be kept). Equal stamps before and after mean neither happened.
    pub fn memory_stamp(&self) -> MemoryStamp {
        (
            self.inner.memory.elsewhere(),
            self.inner.vault.erasure_count(),
        )
    }

    /// A receiver that changes whenever the durable head moves.
    pub fn watch_head(&self) -> watch::Receiver<u64> {
        self.inner.durable_head.clone()
    }

    /// The first answer to a command id, if it ran before.
    pub async fn find_command(
        &self,
        command_id: Uuid,
    ) -> Result<Option<CommandRecord>, StoreError> {
        read::find_command(&self.inner.db, command_id).await
    }

    /// The events of one stream with a version above `after_version`, in order.
    pub async fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
    ) -> Result<Vec<Envelope>, StoreError> {
        self.lift(read::stream(&self.inner.db, stream, after_version).await?)
            .await
    }

    /// Stored events as code reads them: personal data opened, then older schemas lifted.
    async fn lift(&self, mut events: Vec<Envelope>) -> Result<Vec<Envelope>, StoreError> {
        personal::open_all(&self.inner.vault, &mut events).await?;
        Ok(self.inner.upcasters.lift_all(events))
    }

    /// Up to `limit` events after `after`, in position order, never past the durable head. Near the
    /// head, where every subscriber reads the same positions, the first read is shared (`recent.rs`).
    pub async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<Envelope>, StoreError> {
        let last = self.head().min(after.saturating_add(limit as u64));
        let erasures = self.inner.vault.erasure_count();
        if let Some(events) = self.inner.recent.get(after, last, erasures) {
            return Ok(events);
        }
        let events = self
            .lift(read::all(&self.inner.db, after, limit, last).await?)
            .await?;
        self.inner.recent.keep(&events, erasures);
        Ok(events)
    }

    /// The same, as stored: personal data sealed, older schemas not lifted. Only for migrations
    /// that rewrite the log.
    pub async fn read_all_as_stored(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Envelope>, StoreError> {
        read::all(&self.inner.db, after, limit, self.head()).await
    }

    /// The position of each stream's first event, for the streams that exist: what a read model keyed
    /// by position needs to find a row when a later event names only its stream's id.
    pub async fn first_positions(
        &self,
        streams: &[String],
    ) -> Result<std::collections::HashMap<String, u64>, StoreError> {
        read::first_positions(&self.inner.db, streams).await
    }

    /// The first event of each stream that exists (a post's creation: its author, its position).
    pub async fn first_events(
        &self,
        streams: &[String],
    ) -> Result<std::collections::HashMap<String, Envelope>, StoreError> {
        let first = read::first_events(&self.inner.db, streams).await?;
        let (streams, events): (Vec<String>, Vec<Envelope>) = first.into_iter().unzip();
        Ok(streams.into_iter().zip(self.lift(events).await?).collect())
    }

    /// A keyset page of events that match `filter`, read from the event index as `index` says it
    /// serves and from the log above it (see `query/mod.rs`): with the position the answer is
    /// complete up to, and whether it is stale.
    pub async fn query(
        &self,
        filter: &EventFilter,
        index: IndexState,
    ) -> Result<Queried, StoreError> {
        let mut answer = query::filtered(&self.inner.db, filter, index, self.head()).await?;
        answer.events = self.lift(std::mem::take(&mut answer.events)).await?;
        Ok(answer)
    }

    /// The events of `event_type` among the `limit` after `after`, as stored (personal data sealed,
    /// older schemas not lifted), and the position read up to: `after` itself once the log ends.
    /// Read from the log, not the event index: for one-time migrations at start, before any
    /// projector runs.
    pub async fn read_type_as_stored(
        &self,
        event_type: &str,
        after: u64,
        limit: usize,
    ) -> Result<(Vec<Envelope>, u64), StoreError> {
        let events = self.read_all_as_stored(after, limit).await?;
        let read_to = events.last().map_or(after, |e| e.position);
        let of_type = events
            .into_iter()
            .filter(|e| e.event_type == event_type)
            .collect();
        Ok((of_type, read_to))
    }

    /// One event by position.
    pub async fn event(&self, position: u64) -> Result<Option<Envelope>, StoreError> {
        Ok(self
            .read_all(position.saturating_sub(1), 1)
            .await?
            .into_iter()
            .find(|e| e.position == position))
    }

    /// Every event after `position`: first those stored, then each new one as it becomes durable.
    pub fn subscribe(&self, after: u64) -> Subscription {
        Subscription::new(self.clone(), after)
    }
}
