//! The wallet's read models. One projector, `wallet`, keeps accounts, transfers and movements
//! (one file each) and feeds the live `wallet` topic, so a person's topic has one source and its
//! changes arrive in position order. Statements are their own projector (`statements.rs`): a year's
//! digest, rebuilt on its own.

pub mod accounts;
pub mod movements;
pub mod statements;
pub mod transfers;

use crate::aggregate::decode;
use crate::live::Change;
use crate::projections::{Definition, Output, Scope};
use crate::wallet::domain::Event;
use app::wire::{ChangeKind, Envelope};
use std::collections::BTreeSet;

pub const NAME: &str = "wallet";

const SCHEMA: &str = "
DEFINE TABLE IF NOT EXISTS wallet_account{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS wallet_transfer{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS wallet_transfer_of{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS wallet_movement{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS wallet_step{g} SCHEMALESS;
";

pub const WALLET: Definition = Definition {
    name: NAME,
    version: 1,
    schema: SCHEMA,
    tables: &[
        accounts::TABLE,
        transfers::TABLE,
        transfers::OF,
        movements::TABLE,
        movements::STEPS,
    ],
    in_order: true,
    sources: None,
    apply: |scope, events, out| Box::pin(apply(scope, events, out)),
};

/// The live topic of a person's wallet, as the hub keeps it.
pub fn topic(handle: &str) -> String {
    format!("wallet:{handle}")
}

async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let g = scope.generation;
    let mut decoded = vec![];
    for envelope in events {
        if let Some(event) = decode::<Event>(envelope)? {
            decoded.push((event, envelope));
        }
    }
    let erased = erased_people(events);
    if decoded.is_empty() {
        forget_memos(g, &erased, out);
        return Ok(());
    }
    // The rows the batch changes, read once as committed, then changed in memory in event order.
    let handles: BTreeSet<String> = decoded
        .iter()
        .flat_map(|(event, _)| accounts::touched(event))
        .map(str::to_owned)
        .collect();
    let ids: BTreeSet<uuid::Uuid> = decoded
        .iter()
        .filter_map(|(event, _)| transfers::transfer_of(event))
        .collect();
    let mut accounts = accounts::load(scope.db, g, handles.into_iter().collect()).await?;
    let mut transfers = transfers::load(scope.db, g, ids.into_iter().collect()).await?;
    let (mut movement_rows, mut step_rows, mut listing_rows) = (vec![], vec![], vec![]);
    for (event, envelope) in &decoded {
        let position = envelope.position;
        let change = |topic: String, data| Change::new(topic, position, ChangeKind::Upsert, data);
        step_rows.push(movements::step_row(envelope));
        if let Some((owner, movement)) = movements::movement(event, envelope) {
            movement_rows.push(movements::movement_row(&owner, &movement, envelope));
            if scope.live {
                let data = serde_json::to_value(&movement)?;
                out.changes.push(change(topic(&owner), data));
            }
        }
        accounts::apply(&mut accounts, event, position);
        if scope.live {
            for handle in accounts::touched(event) {
                let data = serde_json::to_value(&accounts[handle])?;
                out.changes.push(change(topic(handle), data));
            }
        }
        if let Some(transfer) = transfers::apply(&mut transfers, event, envelope) {
            if matches!(event, Event::TransferRequested { .. }) {
                listing_rows.extend(transfers::listing_rows(transfer, position));
            }
            if scope.live {
                let data = serde_json::to_value(transfer)?;
                out.changes
                    .push(change(topic(&transfer.from), data.clone()));
                out.changes.push(change(topic(&transfer.to), data));
            }
        }
    }
    let writes = &mut out.writes;
    let account_rows = accounts.values().map(accounts::row).collect();
    writes.upsert_rows(&g.table(accounts::TABLE), account_rows, accounts::FIELDS);
    let transfer_rows = transfers.values().map(transfers::row).collect();
    writes.upsert_rows(&g.table(transfers::TABLE), transfer_rows, transfers::FIELDS);
    writes.insert_rows(&g.table(transfers::OF), listing_rows);
    writes.insert_rows(&g.table(movements::TABLE), movement_rows);
    writes.insert_rows(&g.table(movements::STEPS), step_rows);
    forget_memos(g, &erased, out);
    Ok(())
}

/// The people erased in a batch. `UserErased` is the one event of another context (social, which
/// says who people are) the wallet reads: a person gone takes their words with them.
fn erased_people(events: &[Envelope]) -> Vec<String> {
    events
        .iter()
        .filter(|envelope| envelope.event_type == "UserErased")
        .filter_map(|envelope| envelope.data.get("handle")?.as_str().map(str::to_owned))
        .collect()
}

/// Blanks the memos an erased person wrote (a scan of the transfers: erasures are rare).
fn forget_memos(g: crate::projections::Generation, erased: &[String], out: &mut Output) {
    for handle in erased {
        let writes = &mut out.writes;
        let bound = writes.bind(handle.clone());
        writes.push(format!(
            "UPDATE {} SET memo = '' WHERE from = {bound} RETURN NONE",
            g.table(transfers::TABLE)
        ));
    }
}
