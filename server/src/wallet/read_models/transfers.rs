//! Transfers: each transfer's status and the positions of its steps. Serves
//! `GET /api/wallet/transfers/{id}`. A row is `wallet_transfer:<id>`.

use crate::db::{self, Db};
use crate::projections::keys::{minus, newest_first};
use crate::projections::Generation;
use crate::wallet::domain::Event;
use app::wire::{Envelope, Transfer, TransferStatus};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

pub const TABLE: &str = "wallet_transfer";
/// `wallet_transfer_of:[handle, -position]` → the transfer requested at that position, for both
/// parties: a person's transfers are one key range, newest first.
pub const OF: &str = "wallet_transfer_of";
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

/// The rows that list a newly requested transfer under both its parties.
pub fn listing_rows(transfer: &Transfer, position: u64) -> [Value; 2] {
    let id = transfer.id.to_string();
    [&transfer.from, &transfer.to]
        .map(|handle| json!({ "id": [handle, minus(position)], "transfer_id": id }))
}

/// A person's transfers, in and out, requested below the position `below`, newest first.
pub async fn list(
    db: &Db,
    g: Generation,
    handle: &str,
    below: Option<u64>,
    limit: usize,
) -> anyhow::Result<(Vec<Transfer>, Option<String>)> {
    let range = newest_first(&g.table(OF), handle, below);
    let sql = format!(
        "SELECT transfer_id, math::abs(record::id(id)[1]) AS position FROM {range} LIMIT {}",
        limit + 1
    );
    let rows = db::rows(db, sql, Value::Null).await?;
    let next = (rows.len() > limit).then(|| rows[limit - 1]["position"].to_string());
    let ids: Vec<Uuid> = rows
        .iter()
        .take(limit)
        .filter_map(|row| row["transfer_id"].as_str()?.parse().ok())
        .collect();
    let mut found = load(db, g, ids.clone()).await?;
    Ok((ids.iter().filter_map(|id| found.remove(id)).collect(), next))
}

pub fn row(transfer: &Transfer) -> Value {
    let mut row = serde_json::to_value(transfer).expect("transfers serialize");
    row["id"] = Value::String(transfer.id.to_string());
    row
}

pub async fn transfer(db: &Db, g: Generation, id: Uuid) -> anyhow::Result<Option<Transfer>> {
    Ok(load(db, g, vec![id]).await?.remove(&id))
}
