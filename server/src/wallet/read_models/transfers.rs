//! Transfers: each transfer's status and the positions of its steps. Serves
//! `GET /api/wallet/transfers/{id}`. A row is `wallet_transfer:<id>`.

use crate::db::{self, Db};
use crate::projections::Generation;
use crate::wallet::domain::Event;
use app::wire::{Envelope, Transfer, TransferStatus};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

pub const TABLE: &str = "wallet_transfer";
pub const FIELDS: &[&str] = &[
    "from",
    "to",
    "amount",
    "memo",
    "post_id",
    "status",
    "reason",
    "requested_at",
    "settled_at",
    "positions",
];

pub type Transfers = BTreeMap<Uuid, Transfer>;

/// The transfer an event belongs to.
pub fn transfer_of(event: &Event) -> Option<Uuid> {
    match event {
        Event::TransferRequested { transfer_id, .. }
        | Event::TransferDebited { transfer_id, .. }
        | Event::TransferDebitDeclined { transfer_id, .. }
        | Event::TransferCredited { transfer_id, .. }
        | Event::TransferCreditDeclined { transfer_id, .. }
        | Event::TransferRefunded { transfer_id, .. }
        | Event::TransferCompleted { transfer_id }
        | Event::TransferRejected { transfer_id, .. }
        | Event::TransferFailed { transfer_id, .. } => Some(*transfer_id),
        Event::MoneyDeposited { .. } | Event::MoneyWithdrawn { .. } => None,
    }
}

pub async fn load(db: &Db, g: Generation, ids: Vec<Uuid>) -> anyhow::Result<Transfers> {
    let sql = format!(
        "SELECT record::id(id) AS key, * OMIT id FROM array::map($ids, |$id| type::record('{}', $id)) WHERE id != NONE",
        g.table(TABLE)
    );
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let rows = db::rows(db, sql, json!({ "ids": ids })).await?;
    db::keys_as_ids(rows)
        .into_iter()
        .map(|row| {
            let transfer: Transfer = serde_json::from_value(row)?;
            Ok((transfer.id, transfer))
        })
        .collect()
}

/// Applies one event to its transfer; answers the transfer when it changed.
pub fn apply<'a>(
    transfers: &'a mut Transfers,
    event: &Event,
    envelope: &Envelope,
) -> Option<&'a Transfer> {
    let id = transfer_of(event)?;
    let at = &envelope.metadata.at;
    if let Event::TransferRequested {
        from,
        to,
        amount,
        memo,
        post_id,
        ..
    } = event
    {
        transfers.insert(
            id,
            Transfer {
                id,
                from: from.clone(),
                to: to.clone(),
                amount: *amount,
                memo: memo.clone(),
                post_id: *post_id,
                status: TransferStatus::Pending,
                reason: None,
                requested_at: at.clone(),
                settled_at: None,
                positions: vec![],
            },
        );
    }
    // A step of a transfer this generation never saw requested cannot be shown: skip it.
    let transfer = transfers.get_mut(&id)?;
    transfer.positions.push(envelope.position);
    let settled = match event {
        Event::TransferCompleted { .. } => Some((TransferStatus::Completed, None)),
        Event::TransferRejected { reason, .. } => {
            Some((TransferStatus::Rejected, Some(reason.clone())))
        }
        Event::TransferFailed { reason, .. } => {
            Some((TransferStatus::Failed, Some(reason.clone())))
        }
        // The refusal's reason shows while the refund is still on its way.
        Event::TransferCreditDeclined { reason, .. } => {
            transfer.reason = Some(reason.clone());
            None
        }
        _ => None,
    };
    if let Some((status, reason)) = settled {
        transfer.status = status;
        transfer.reason = reason;
        transfer.settled_at = Some(at.clone());
    }
    Some(transfer)
}

pub fn row(transfer: &Transfer) -> Value {
    let mut row = serde_json::to_value(transfer).expect("transfers serialize");
    row["id"] = Value::String(transfer.id.to_string());
    row
}

pub async fn transfer(db: &Db, g: Generation, id: Uuid) -> anyhow::Result<Option<Transfer>> {
    Ok(load(db, g, vec![id]).await?.remove(&id))
}
