//! The read side's runtime: projectors turn events into read models, with their checkpoint in the
//! same transaction, so every event takes effect exactly once whatever crashes or redeliveries happen.
//!
//! Each projector runs as its own task from its own checkpoint (catch-up, then live, through the
//! store's subscription); a slow or failing one holds back no other. A batch that fails is retried
//! with backoff; after [`runner::MAX_TRIES`] tries the events are applied one by one, and the one that
//! still fails is parked (kept with its error) so the projector moves on.

mod parked;
mod runner;
pub mod timeline;
mod writes;

pub use runner::{Projections, ProjectorStatus};
pub use writes::Writes;

use crate::db::Db;
use crate::live::Change;
use app::wire::Envelope;
use futures::future::BoxFuture;

/// What a projector made of a batch: the writes to commit, and the changes to push once committed.
#[derive(Default)]
pub struct Output {
    pub writes: Writes,
    pub changes: Vec<Change>,
}

/// A read model's builder. `apply` may read the projector's own tables (committed state); what it
/// decides within the batch it must keep in memory, since its writes land only at commit.
pub trait Projector: Send + Sync + 'static {
    fn name(&self) -> &'static str;

    /// Raised when the read model's shape or meaning changes: a new version is rebuilt from zero.
    fn version(&self) -> u32;

    /// `DEFINE … IF NOT EXISTS` statements of its tables.
    fn schema(&self) -> &'static str;

    /// The tables `schema` defines: emptied when a new version rebuilds them.
    fn tables(&self) -> &'static [&'static str];

    fn apply<'a>(
        &'a self,
        db: &'a Db,
        events: &'a [Envelope],
        out: &'a mut Output,
    ) -> BoxFuture<'a, anyhow::Result<()>>;
}
