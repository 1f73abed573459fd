//! The transfer process (a process manager): each event of a transfer asks for its next step.
//!
//! ```text
//! TransferRequested      → DebitTransfer   (sender's account)
//!   TransferDebited      → CreditTransfer  (recipient's account)
//!     TransferCredited   → CompleteTransfer
//!     CreditDeclined     → RefundTransfer  (sender's account)
//!       TransferRefunded → FailTransfer
//!   DebitDeclined        → RejectTransfer
//! ```
//!
//! Every step is a command caused by the event before it, with a command id derived from that
//! event (`crate::policies`): a crash or a redelivery anywhere asks for the same step again, which
//! the store answers with the first answer. So each transfer settles exactly once.

use crate::commands::{CommandBus, CommandError};
use crate::policies::{Issue, Policy};
use crate::wallet::domain::{account, transfer, Event};
use app::wire::Envelope;
use futures::future::BoxFuture;
use serde_json::json;

pub struct Transfers;

/// The next step of the process after `event`, if it has one.
pub fn next_step(event: &Event) -> Option<Issue> {
    let issue = |command_type, payload| {
        Some(Issue {
            command_type,
            payload,
        })
    };
    match event {
        Event::TransferRequested {
            transfer_id,
            from,
            to,
            amount,
            post_id,
            ..
        } => issue(
            "DebitTransfer",
            json!({ "transfer_id": transfer_id, "from": from, "to": to, "amount": amount, "post_id": post_id }),
        ),
        Event::TransferDebited {
            transfer_id,
            from,
            to,
            amount,
            post_id,
            ..
        } => issue(
            "CreditTransfer",
            json!({ "transfer_id": transfer_id, "from": from, "to": to, "amount": amount, "post_id": post_id }),
        ),
        Event::TransferCredited { transfer_id, .. } => {
            issue("CompleteTransfer", json!({ "transfer_id": transfer_id }))
        }
        Event::TransferCreditDeclined {
            transfer_id,
            from,
            to,
            amount,
            reason,
        } => issue(
            "RefundTransfer",
            json!({ "transfer_id": transfer_id, "from": from, "to": to, "amount": amount, "reason": reason }),
        ),
        Event::TransferRefunded {
            transfer_id,
            reason,
            ..
        } => issue(
            "FailTransfer",
            json!({ "transfer_id": transfer_id, "reason": reason }),
        ),
        Event::TransferDebitDeclined {
            transfer_id,
            reason,
            ..
        } => issue(
            "RejectTransfer",
            json!({ "transfer_id": transfer_id, "reason": reason }),
        ),
        _ => None,
    }
}

impl Policy for Transfers {
    fn name(&self) -> &'static str {
        "transfers"
    }

    /// The stream the next step writes to: steps for different accounts and transfers run
    /// concurrently, while the steps on one account (a hot recipient's credits) take turns instead
    /// of racing for its version. The steps of one transfer follow each other anyway: each step's
    /// event exists only once the step before it is done.
    fn lane(&self, event: &Envelope) -> Option<String> {
        let event = crate::aggregate::decode::<Event>(event).ok()??;
        Some(match &event {
            Event::TransferRequested { from, .. } | Event::TransferCreditDeclined { from, .. } => {
                account::stream(from)
            }
            Event::TransferDebited { to, .. } => account::stream(to),
            Event::TransferCredited { transfer_id, .. }
            | Event::TransferRefunded { transfer_id, .. }
            | Event::TransferDebitDeclined { transfer_id, .. } => transfer::stream(*transfer_id),
            _ => return None,
        })
    }

    /// Coins are on their way: no event of this process is ever skipped.
    fn never_skips(&self) -> bool {
        true
    }

    /// A step reads only the stream it writes (and whether the recipient exists), so a hot
    /// account's steps overlap: each is decided on the state the one before leaves, and they
    /// share commits.
    fn pipelines(&self) -> bool {
        true
    }

    fn react<'a>(
        &'a self,
        _bus: &'a CommandBus,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<Vec<Issue>, CommandError>> {
        Box::pin(async move { super::react_with(event, next_step) })
    }
}
