//! The transfer aggregate, one stream per transfer (`transfer-<id>`): requested (pending), then
//! exactly one of completed, rejected or failed. The coins move on the accounts; this stream holds
//! the transfer's promise and its outcome.

use super::{Aggregate, Event, Rule, FUND};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    #[default]
    None,
    Pending,
    Completed,
    Rejected,
    Failed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferState {
    pub status: Status,
    pub from: String,
    pub to: String,
    pub amount: u64,
}

#[derive(Debug, Clone)]
pub enum TransferCommand {
    Request {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        memo: String,
        post_id: Option<Uuid>,
        /// Whether `to` is someone who can receive: a registered person or the fund.
        to_exists: bool,
    },
    Complete {
        transfer_id: Uuid,
    },
    Reject {
        transfer_id: Uuid,
        reason: String,
    },
    Fail {
        transfer_id: Uuid,
        reason: String,
    },
}

pub struct Transfer;

pub fn stream(transfer_id: Uuid) -> String {
    format!("transfer-{transfer_id}")
}

/// The longest memo a transfer carries.
pub const MAX_MEMO: usize = 200;

impl Aggregate for Transfer {
    type State = TransferState;
    type Command = TransferCommand;
    type Event = Event;

    fn decide(state: &TransferState, command: &TransferCommand) -> Result<Vec<Event>, Rule> {
        match command.clone() {
            TransferCommand::Request { .. } if state.status != Status::None => Err(Rule::Conflict(
                "a transfer with this id was requested already".into(),
            )),
            TransferCommand::Request { from, to, .. } if from == to => {
                Err(Rule::Refused("you can not send coins to yourself".into()))
            }
            TransferCommand::Request { from, .. } if from == FUND => Err(Rule::Forbidden(
                "the fund's coins are not sent by hand".into(),
            )),
            TransferCommand::Request {
                to,
                to_exists: false,
                ..
            } => Err(Rule::NotFound(format!("no one is called @{to}"))),
            TransferCommand::Request { memo, .. } if memo.chars().count() > MAX_MEMO => Err(
                Rule::Invalid(format!("a memo is at most {MAX_MEMO} characters")),
            ),
            TransferCommand::Request {
                transfer_id,
                from,
                to,
                amount,
                memo,
                post_id,
                ..
            } => Ok(vec![Event::TransferRequested {
                transfer_id,
                from,
                to,
                amount,
                memo,
                post_id,
            }]),
            _ if state.status == Status::None => Err(Rule::NotFound("no such transfer".into())),
            // Settling a settled transfer again changes nothing: the process may redeliver.
            _ if state.status != Status::Pending => Ok(vec![]),
            TransferCommand::Complete { transfer_id } => {
                Ok(vec![Event::TransferCompleted { transfer_id }])
            }
            TransferCommand::Reject {
                transfer_id,
                reason,
            } => Ok(vec![Event::TransferRejected {
                transfer_id,
                reason,
            }]),
            TransferCommand::Fail {
                transfer_id,
                reason,
            } => Ok(vec![Event::TransferFailed {
                transfer_id,
                reason,
            }]),
        }
    }

    fn begins_stream(command: &TransferCommand) -> bool {
        matches!(command, TransferCommand::Request { .. })
    }

    fn evolve(state: TransferState, event: &Event) -> TransferState {
        match event {
            Event::TransferRequested {
                from, to, amount, ..
            } => TransferState {
                status: Status::Pending,
                from: from.clone(),
                to: to.clone(),
                amount: *amount,
            },
            Event::TransferCompleted { .. } => TransferState {
                status: Status::Completed,
                ..state
            },
            Event::TransferRejected { .. } => TransferState {
                status: Status::Rejected,
                ..state
            },
            Event::TransferFailed { .. } => TransferState {
                status: Status::Failed,
                ..state
            },
            _ => state,
        }
    }
}
