//! The read side's runtime: projectors turn events into read models, with their checkpoint in the
//! same transaction, so every event takes effect exactly once whatever crashes or redeliveries happen.
//!
//! Each projector runs as its own task from its own checkpoint (catch-up, then live, through the
//! store's subscription); a slow or failing one holds back no other. A batch that fails is retried
//! with backoff; after [`runner::MAX_TRIES`] tries the events are applied one by one, and the one that
//! still fails is parked (kept with its error) so the projector moves on.

mod batches;
mod checkpoint;
pub mod keys;
pub(crate) mod parked;
mod rebuild;
mod runner;
pub(crate) mod stats;
pub mod time_travel;
mod writes;

pub(crate) use checkpoint::define_runtime_tables;
pub use rebuild::RebuildRefused;
pub use runner::Projections;

pub use writes::Writes;

use crate::db::Db;
use crate::live::{Change, Membership};
use crate::store::Store;
use app::wire::Envelope;
use futures::future::BoxFuture;
use std::sync::Arc;

/// Which generation of a projector's tables is meant: `<table>_g<n>`. A rebuild fills generation
/// n + 1 beside the serving generation n and then takes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(pub u32);

impl Generation {
    pub fn table(self, base: &str) -> String {
        format!("{base}_g{}", self.0)
    }

    /// A schema template with `{g}` after each table name, for this generation.
    pub fn schema(self, template: &str) -> String {
        template.replace("{g}", &format!("_g{}", self.0))
    }
}

/// What a projector made of a batch: the writes to commit, and the changes to push once committed
/// (with the memberships of its source topics that changed, in every batch, live or not: the hub
/// routes by them).
#[derive(Default)]
pub struct Output {
    pub writes: Writes,
    pub changes: Vec<Change>,
    pub memberships: Vec<Membership>,
}

/// The source topics a projector publishes to (see [`Membership`]): their family, and how to read
/// the memberships its tables hold, which the hub is given before the projector runs and again
/// when a rebuilt generation takes over.
#[derive(Clone, Copy)]
pub struct Sources {
    pub family: &'static str,
    pub load: LoadMemberships,
}

/// Reads a generation's memberships, as (member topic, source topic) pairs.
pub type LoadMemberships =
    for<'a> fn(&'a Db, Generation) -> BoxFuture<'a, anyhow::Result<Vec<(String, String)>>>;

/// A read model's builder. `apply` may read the projector's own tables (committed state); what it
/// decides within the batch it must keep in memory, since its writes land only at commit.
pub trait Projector: Send + Sync + 'static {
    fn name(&self) -> &'static str;

    /// Raised when the read model's shape or meaning changes: a new version is rebuilt from zero.
    fn version(&self) -> u32;

    /// The oldest version whose tables this code's queries can still read. A start that finds such a
    /// version keeps serving its tables (frozen, answering `stale` to who waits for later positions)
    /// while the new version is built beside them; an older one is dropped and rebuilt in place.
    fn serves_from(&self) -> u32 {
        self.version()
    }

    /// `DEFINE … IF NOT EXISTS` statements of its tables, each table name followed by `{g}` (see
    /// [`Generation::schema`]).
    fn schema(&self) -> &'static str;

    /// The tables `schema` defines (without `{g}`): dropped with their generation.
    fn tables(&self) -> &'static [&'static str];

    /// True for a read model whose rows depend on every event before (a ledger, a chained
    /// checksum): an event that keeps failing is never parked and skipped, it is tried again with
    /// backoff until it succeeds — the projector stalls, visibly (errors and lag in the admin),
    /// rather than answer a balance that skipped a movement.
    fn in_order(&self) -> bool {
        false
    }

    /// The source topics it publishes to, if any.
    fn sources(&self) -> Option<Sources> {
        None
    }

    /// Turns a batch into writes to the tables of `scope.generation`.
    fn apply<'a>(
        &'a self,
        scope: Scope<'a>,
        events: &'a [Envelope],
        out: &'a mut Output,
    ) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// A projector's `apply`: a batch of events into writes (and live changes).
pub type Apply =
    for<'a> fn(Scope<'a>, &'a [Envelope], &'a mut Output) -> BoxFuture<'a, anyhow::Result<()>>;

/// A projector given by its parts, as most read models are: a name, a version, its tables and one
/// `apply` function.
pub struct Definition {
    pub name: &'static str,
    pub version: u32,
    /// `DEFINE … IF NOT EXISTS` statements, each table name followed by `{g}`.
    pub schema: &'static str,
    pub tables: &'static [&'static str],
    /// See [`Projector::in_order`].
    pub in_order: bool,
    /// See [`Projector::sources`].
    pub sources: Option<Sources>,
    pub apply: Apply,
}

impl Projector for Definition {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> u32 {
        self.version
    }

    fn schema(&self) -> &'static str {
        self.schema
    }

    fn tables(&self) -> &'static [&'static str] {
        self.tables
    }

    fn in_order(&self) -> bool {
        self.in_order
    }

    fn sources(&self) -> Option<Sources> {
        self.sources
    }

    fn apply<'a>(
        &'a self,
        scope: Scope<'a>,
        events: &'a [Envelope],
        out: &'a mut Output,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        (self.apply)(scope, events, out)
    }
}

/// Where a projector's writes go, and what it may read while it decides them.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// The database of the read model: the serving one, or a temporary one for time travel.
    pub db: &'a Db,
    /// The log, for facts a batch does not carry (such as where a post began).
    pub store: &'a Store,
    pub generation: Generation,
    /// Whether the batch's changes are wanted (by the live journal, and so the hub): not in
    /// rebuilds and time travel, nor on history below where the journal begins. A projector skips
    /// building them then.
    pub live: bool,
}

/// Every projector a node runs: the runtime's own (the store's event index, which names no context)
/// and every context's. The one list the server, the one-shot commands and the bench start.
pub fn runtime_projectors(registry: &crate::registry::Registry) -> Vec<Arc<dyn Projector>> {
    let index: Arc<dyn Projector> = Arc::new(crate::store::index::EVENT_INDEX);
    let mut projectors = vec![index];
    projectors.extend(registry.projectors());
    projectors
}
