//! The admin console's shapes: event pages, projector rows, causation trees, streams at a
//! version, subscriptions.

use super::{Envelope, Page};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// `GET /api/admin/events`: a page of envelopes and the store's head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventPage {
    #[serde(flatten)]
    pub page: Page<Envelope>,
    pub head: u64,
}

/// One row of `GET /api/admin/projections`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectionRow {
    pub name: String,
    pub position: u64,
    pub head: u64,
    pub lag: u64,
    pub events_per_s: f64,
    pub errors: u64,
    pub last_error: Option<String>,
    pub parked: u64,
    /// `live`, `catching_up` or `rebuilding`.
    pub status: String,
    /// While a rebuild runs (and once it finished, until the next one): its progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebuild: Option<RebuildProgress>,
}

/// A rebuild of a projector into a new generation of its tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RebuildProgress {
    pub generation: u32,
    pub done: u64,
    pub total: u64,
    pub events_per_s: f64,
    /// Seconds left at the current rate.
    pub eta_s: f64,
    pub finished: bool,
}

/// `GET /api/admin/causation/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Causation {
    /// The id asked for (a command or an event).
    pub focus: Uuid,
    pub root: CommandNode,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CommandNode {
    pub command_id: Uuid,
    pub actor: Option<String>,
    pub at: String,
    pub events: Vec<EventNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventNode {
    #[serde(flatten)]
    pub event: Envelope,
    /// The commands this event caused (through policies), each a `CommandNode`. Described as
    /// plain objects: a schema that refers back to itself sends fuzzers into unbounded recursion.
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<Object>))]
    pub caused: Vec<CommandNode>,
}

/// `GET /api/admin/streams/{stream}?version=N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StreamAt {
    pub stream: String,
    pub version: u64,
    pub latest: u64,
    pub state: Value,
    pub events: Vec<Envelope>,
}

/// One row of `GET /api/admin/subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionRow {
    pub name: String,
    pub acked: u64,
    pub head: u64,
    pub lag: u64,
    pub parked: u64,
}
