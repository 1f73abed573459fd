//! The wallet's shapes (the Wallet section of `shared/API.md`). Amounts are whole coins: `u64`,
//! never floats.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /api/wallet`: a person's account as the read model has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Wallet {
    pub handle: String,
    pub balance: u64,
    /// Coins of transfers this account asked for that have not left it yet.
    pub pending_out: u64,
    /// Coins of transfers to this account that have not arrived yet.
    pub pending_in: u64,
    pub position: u64,
    #[serde(default)]
    pub stale: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Deposit,
    Withdrawal,
    TransferOut,
    TransferIn,
    Refund,
    Bonus,
}

impl MovementKind {
    /// The name the contract (and the CSV statement) uses.
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Deposit => "deposit",
            MovementKind::Withdrawal => "withdrawal",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
            MovementKind::Refund => "refund",
            MovementKind::Bonus => "bonus",
        }
    }

    /// Whether coins come into the account with this movement.
    pub fn is_credit(self) -> bool {
        !matches!(self, MovementKind::Withdrawal | MovementKind::TransferOut)
    }
}

/// One change of a balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Movement {
    pub position: u64,
    pub at: String,
    pub kind: MovementKind,
    pub amount: u64,
    pub balance_after: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    Pending,
    Completed,
    Rejected,
    Failed,
}

impl TransferStatus {
    pub fn is_settled(self) -> bool {
        self != TransferStatus::Pending
    }
}

/// `GET /api/wallet/transfers/{id}`, and the `wallet` topic's transfer changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Transfer {
    pub id: Uuid,
    pub from: String,
    pub to: String,
    pub amount: u64,
    pub memo: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_id: Option<Uuid>,
    pub status: TransferStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub requested_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<String>,
    /// The positions of the transfer's events, in order: requested, debited, credited, completed…
    pub positions: Vec<u64>,
}

/// What made a movement: the command, who sent it, and (for a policy's command) the step before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Cause {
    pub command_id: Uuid,
    pub actor: Option<String>,
    /// The command's type (`TransferMoney`, `CreditTransfer` …).
    #[serde(rename = "type")]
    pub command_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<Box<Step>>,
}

/// An event in a causation chain, with what caused it in turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Step {
    pub position: u64,
    pub event: String,
    pub stream: String,
    /// What caused this step, a `Cause` (which may hold a step in turn). Described as a plain
    /// object: a schema that refers back to itself sends fuzzers into unbounded recursion.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub cause: Cause,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExplainedMovement {
    #[serde(flatten)]
    pub movement: Movement,
    pub cause: Cause,
}

/// `GET /api/wallet/why?at=P`: the balance at P and every movement that made it, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BalanceWhy {
    pub handle: String,
    pub balance: u64,
    pub at: u64,
    pub movements: Vec<ExplainedMovement>,
    /// The cursor of the older movements, when there are more than one page.
    pub next: Option<String>,
    pub position: u64,
    #[serde(default)]
    pub stale: bool,
}

/// `GET /api/wallet/statements/{year}`: one account's year, precomputed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Statement {
    pub handle: String,
    pub year: i32,
    pub opening: u64,
    pub closing: u64,
    pub deposits: u64,
    pub withdrawals: u64,
    pub sent: u64,
    pub received: u64,
    pub bonus: u64,
    pub refunds: u64,
    #[serde(default)]
    pub movements: Vec<Movement>,
    /// The position of the year's last movement: the statement is what the log says up to there.
    pub position: u64,
    /// A digest of the year's movements, chained in position order: a rebuild reproduces it.
    pub checksum: String,
    /// True when `min_position` was asked for and not reached within `wait_ms`.
    #[serde(default)]
    pub stale: bool,
}
