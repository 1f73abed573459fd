//! Every event type of the wallet, and the command type behind each (the "why" of a balance names
//! the command that made a movement).

use crate::aggregate::{from_tagged, tagged_data, DomainEvent};
use crate::store::Personal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    /// Coins came in from outside; `bonus_for` names the person whose deposit made this a bonus
    /// into the fund.
    MoneyDeposited {
        handle: String,
        amount: u64,
        balance: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bonus_for: Option<String>,
    },
    MoneyWithdrawn {
        handle: String,
        amount: u64,
        balance: u64,
    },
    /// On `transfer-<id>`: the transfer is accepted and pending.
    TransferRequested {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        /// Personal to the sender (sealed, see [`personal_fields`]): absent once they are erased.
        #[serde(default)]
        memo: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        post_id: Option<Uuid>,
    },
    /// On the sender's account: the coins left it and are in flight.
    TransferDebited {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        balance: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        post_id: Option<Uuid>,
    },
    /// On the sender's account: the balance was short when the process came to debit it.
    TransferDebitDeclined {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        reason: String,
    },
    /// On the recipient's account: the coins arrived.
    TransferCredited {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        balance: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        post_id: Option<Uuid>,
    },
    /// On the recipient's account: it could not receive them.
    TransferCreditDeclined {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        reason: String,
    },
    /// On the sender's account: the coins of a transfer that could not be credited came back.
    TransferRefunded {
        transfer_id: Uuid,
        from: String,
        to: String,
        amount: u64,
        balance: u64,
        reason: String,
    },
    TransferCompleted {
        transfer_id: Uuid,
    },
    TransferRejected {
        transfer_id: Uuid,
        reason: String,
    },
    TransferFailed {
        transfer_id: Uuid,
        reason: String,
    },
}

/// Every type name of [`Event`] with the command type that appends it.
pub const TYPES: &[(&str, &str)] = &[
    ("MoneyDeposited", "DepositMoney"),
    ("MoneyWithdrawn", "WithdrawMoney"),
    ("TransferRequested", "TransferMoney"),
    ("TransferDebited", "DebitTransfer"),
    ("TransferDebitDeclined", "DebitTransfer"),
    ("TransferCredited", "CreditTransfer"),
    ("TransferCreditDeclined", "CreditTransfer"),
    ("TransferRefunded", "RefundTransfer"),
    ("TransferCompleted", "CompleteTransfer"),
    ("TransferRejected", "RejectTransfer"),
    ("TransferFailed", "FailTransfer"),
];

/// A memo is the sender's words and a deposit's reference their payment's: sealed with their key.
pub fn personal_fields(event_type: &str, data: &Value) -> Option<Personal> {
    let (owner, fields): (&str, &'static [&'static str]) = match event_type {
        "TransferRequested" if data.get("memo").is_some() => ("from", &["memo"]),
        "MoneyDeposited" if data.get("reference").is_some() => ("handle", &["reference"]),
        _ => return None,
    };
    let subject = data.get(owner)?.as_str()?;
    Some(Personal {
        subject: subject.to_owned(),
        fields,
    })
}

/// The command type that appends events of this type (`None` for another context's event).
pub fn command_of(event_type: &str) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(event, _)| *event == event_type)
        .map(|(_, command)| *command)
}

impl Event {
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::MoneyDeposited { .. } => "MoneyDeposited",
            Event::MoneyWithdrawn { .. } => "MoneyWithdrawn",
            Event::TransferRequested { .. } => "TransferRequested",
            Event::TransferDebited { .. } => "TransferDebited",
            Event::TransferDebitDeclined { .. } => "TransferDebitDeclined",
            Event::TransferCredited { .. } => "TransferCredited",
            Event::TransferCreditDeclined { .. } => "TransferCreditDeclined",
            Event::TransferRefunded { .. } => "TransferRefunded",
            Event::TransferCompleted { .. } => "TransferCompleted",
            Event::TransferRejected { .. } => "TransferRejected",
            Event::TransferFailed { .. } => "TransferFailed",
        }
    }
}

impl DomainEvent for Event {
    fn type_name(&self) -> &'static str {
        Event::type_name(self)
    }

    fn schema(&self) -> u32 {
        1
    }

    fn data(&self) -> Value {
        tagged_data(self)
    }

    fn from_parts(event_type: &str, data: &Value) -> Result<Event, serde_json::Error> {
        from_tagged(event_type, data)
    }

    fn knows(event_type: &str) -> bool {
        command_of(event_type).is_some()
    }
}
