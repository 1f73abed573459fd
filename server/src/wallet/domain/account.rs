//! The account aggregate, one stream per person (`account-<handle>`): a balance that never goes
//! below zero nor above [`MAX_BALANCE`]. Opened with balance 0 by its first event.
//!
//! A person's withdrawal that would overdraw is refused (422). A transfer's debit that would is not
//! refused but declined, as an event: the transfer was accepted long before, and the process must
//! learn the outcome to reject it.

use super::{Aggregate, Event, Rule, FUND_CAP, MAX_BALANCE, OVERDRAW};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    pub balance: u64,
}

#[derive(Debug, Clone)]
pub enum AccountCommand {
    Deposit {
        handle: String,
        amount: u64,
        reference: Option<String>,
        /// A bonus into the fund, for this person's deposit: paid only while the fund is under
        /// [`FUND_CAP`].
        bonus_for: Option<String>,
    },
    Withdraw {
        handle: String,
        amount: u64,
    },
    Debit {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        post_id: Option<Uuid>,
    },
    Credit {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        post_id: Option<Uuid>,
        /// Whether the recipient still is someone who can receive (the fund, or a person).
        can_receive: bool,
    },
    Refund {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        reason: String,
    },
}

pub struct Account;

pub fn stream(handle: &str) -> String {
    format!("account-{handle}")
}

impl Aggregate for Account {
    type State = AccountState;
    type Command = AccountCommand;
    type Event = Event;

    fn decide(state: &AccountState, command: &AccountCommand) -> Result<Vec<Event>, Rule> {
        let room = MAX_BALANCE.saturating_sub(state.balance);
        Ok(vec![match command.clone() {
            AccountCommand::Deposit {
                bonus_for: Some(_), ..
            } if state.balance >= FUND_CAP => return Ok(vec![]),
            AccountCommand::Deposit { amount, .. } if amount > room => {
                return Err(Rule::Refused(format!(
                    "an account holds at most {MAX_BALANCE} coins"
                )))
            }
            AccountCommand::Deposit {
                handle,
                amount,
                reference,
                bonus_for,
            } => Event::MoneyDeposited {
                handle,
                amount,
                balance: state.balance + amount,
                reference,
                bonus_for,
            },
            AccountCommand::Withdraw { amount, .. } if amount > state.balance => {
                return Err(Rule::Refused(OVERDRAW.into()))
            }
            AccountCommand::Withdraw { handle, amount } => Event::MoneyWithdrawn {
                handle,
                amount,
                balance: state.balance - amount,
            },
            AccountCommand::Debit {
                transfer_id,
                from,
                to,
                amount,
                ..
            } if amount > state.balance => Event::TransferDebitDeclined {
                transfer_id,
                from,
                to,
                amount,
                reason: OVERDRAW.into(),
            },
            AccountCommand::Debit {
                transfer_id,
                from,
                to,
                amount,
                post_id,
            } => Event::TransferDebited {
                transfer_id,
                from,
                to,
                amount,
                balance: state.balance - amount,
                post_id,
            },
            AccountCommand::Credit {
                transfer_id,
                from,
                to,
                amount,
                can_receive,
                ..
            } if !can_receive || amount > room => Event::TransferCreditDeclined {
                transfer_id,
                from,
                to,
                amount,
                reason: if can_receive {
                    format!("the recipient's account can not hold more than {MAX_BALANCE} coins")
                } else {
                    "the recipient can no longer receive coins".into()
                },
            },
            AccountCommand::Credit {
                transfer_id,
                from,
                to,
                amount,
                post_id,
                ..
            } => Event::TransferCredited {
                transfer_id,
                from,
                to,
                amount,
                balance: state.balance + amount,
                post_id,
            },
            // A refund always succeeds, even past MAX_BALANCE: these coins were in this account.
            AccountCommand::Refund {
                transfer_id,
                from,
                to,
                amount,
                reason,
            } => Event::TransferRefunded {
                transfer_id,
                from,
                to,
                amount,
                balance: state.balance + amount,
                reason,
            },
        }])
    }

    fn evolve(state: AccountState, event: &Event) -> AccountState {
        match event {
            Event::MoneyDeposited { balance, .. }
            | Event::MoneyWithdrawn { balance, .. }
            | Event::TransferDebited { balance, .. }
            | Event::TransferCredited { balance, .. }
            | Event::TransferRefunded { balance, .. } => AccountState { balance: *balance },
            _ => state,
        }
    }
}
