//! Policies (process managers): event → command. Each runs from its own checkpoint and issues its
//! commands through the command bus, like a person would, with:
//! - `causation_id` = the event's id and the event's `correlation_id`, so the admin can follow the
//!   chain from the first command through every policy;
//! - a command id derived from the event id and the policy's name, so redelivering an event (after a
//!   crash between the command and the checkpoint) finds the first answer instead of acting twice.

mod lanes;
mod runner;

pub use runner::Policies;

use crate::aggregate::Actor;
use crate::commands::{CommandBus, CommandError, Origin, QueuedSignal};
use app::wire::Envelope;
use futures::future::BoxFuture;
use serde_json::Value;
use uuid::Uuid;

/// A command a policy issues, as the contract names it: it runs like anyone's command would.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub command_type: &'static str,
    pub payload: Value,
}

/// A policy's reaction to one event: the commands to issue (often none).
pub trait Policy: Send + Sync + 'static {
    fn name(&self) -> &'static str;

    /// The lane of an event: events of different lanes are reacted to concurrently, events of one
    /// lane in log order. `None` (the default) is one lane for everything: strictly in order.
    /// A process whose instances are independent (each transfer) names the instance.
    fn lane(&self, _event: &Envelope) -> Option<String> {
        None
    }

    /// True for a process whose every reaction must happen (money on its way): an event that keeps
    /// failing is never parked and skipped but tried again with backoff until it goes, and a
    /// command of it that a rule refuses is a failure too (a bug to fix, visible in the admin),
    /// not a reaction that chose to do nothing.
    fn never_skips(&self) -> bool {
        false
    }

    /// True for a policy whose reactions may overlap within a lane: the next event's reaction
    /// starts once this one's last command is queued for the writer, not once it is committed.
    /// Its commands are still decided in log order (a stream's turns decide each on the state the
    /// one before leaves), and many share one commit: what lets a hot account's lane take more
    /// than one command per commit. Only for a policy whose reactions read nothing an earlier
    /// reaction of its lane writes (they would read it before its commit). When a commit fails,
    /// its reaction is tried again after the ones queued behind it.
    fn pipelines(&self) -> bool {
        false
    }

    fn react<'a>(
        &'a self,
        bus: &'a CommandBus,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<Vec<Issue>, CommandError>>;
}

/// Copies every policy's checkpoint into another database holding the same log (`agora
/// rewrite-log`), so its policies go on from where they were instead of reacting to all of it again.
pub async fn copy_checkpoints(from: &crate::db::Db, into: &crate::db::Db) -> anyhow::Result<()> {
    crate::projections::define_runtime_tables(into).await?;
    let sql = "SELECT record::id(id) AS name, position FROM projection WHERE string::starts_with(record::id(id), 'policy:')";
    for row in crate::db::rows(from, sql, Value::Null).await? {
        let sql = "UPSERT type::record('projection', $name) SET position = $position";
        crate::db::run(into, sql, row).await?;
    }
    Ok(())
}

/// Namespace of the command ids policies derive from event ids (UUID v5).
const POLICY_NAMESPACE: Uuid = Uuid::from_u128(0x6167_6f72_6170_6f6c_6963_7900_0000_0001);

/// The command id a policy uses for its `n`th command in reaction to an event: the same every time.
pub fn derived_command_id(policy: &str, event_id: Uuid, n: usize) -> Uuid {
    Uuid::new_v5(
        &POLICY_NAMESPACE,
        format!("{policy}/{event_id}/{n}").as_bytes(),
    )
}

/// Handles one event: runs the policy and issues its commands, each idempotent by its derived id.
/// `first_sight`: the policy never reacted to this event before (see [`Origin::fresh_id`]).
/// `queued` is told when the last command is queued for the writer ([`Policy::pipelines`]).
pub async fn handle(
    policy: &dyn Policy,
    bus: &CommandBus,
    event: &Envelope,
    first_sight: bool,
    queued: Option<&QueuedSignal>,
) -> Result<(), CommandError> {
    let issues = policy.react(bus, event).await?;
    let last = issues.len().saturating_sub(1);
    for (n, issue) in issues.into_iter().enumerate() {
        let origin = Origin {
            command_id: derived_command_id(policy.name(), event.event_id, n),
            correlation_id: event.metadata.correlation_id.unwrap_or(event.event_id),
            causation_id: Some(event.event_id),
            actor: Actor::system(policy.name()),
            fresh_id: first_sight,
            queued: queued.filter(|_| n == last).cloned(),
        };
        match bus
            .submit(origin, issue.command_type, &issue.payload, None)
            .await
        {
            Ok(_) => {}
            Err(CommandError::Rule(_)) if !policy.never_skips() => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
