//! Accounts: each person's balance, and the coins of transfers still on their way out or in.
//! Serves `GET /api/wallet`. A row is `wallet_account:<handle>`.
//!
//! `pending_out` counts what a requested transfer will take and has not taken yet; `pending_in`
//! what it will bring and has not brought yet. Between debit and credit the coins are in neither
//! balance: they are in flight, and `pending_in` shows them to the recipient.

use crate::db::{self, Db};
use crate::projections::Generation;
use crate::wallet::domain::Event;
use app::wire::Wallet;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const TABLE: &str = "wallet_account";
pub const FIELDS: &[&str] = &["handle", "balance", "pending_out", "pending_in", "position"];

/// The accounts a batch touches, as committed, then as the batch leaves them.
pub type Accounts = BTreeMap<String, Wallet>;

pub fn empty(handle: &str) -> Wallet {
    Wallet {
        handle: handle.to_owned(),
        balance: 0,
        pending_out: 0,
        pending_in: 0,
        position: 0,
        stale: false,
    }
}

/// The handles whose account an event changes.
pub fn touched(event: &Event) -> Vec<&str> {
    match event {
        Event::MoneyDeposited { handle, .. } | Event::MoneyWithdrawn { handle, .. } => {
            vec![handle]
        }
        Event::TransferRequested { from, to, .. }
        | Event::TransferDebited { from, to, .. }
        | Event::TransferDebitDeclined { from, to, .. }
        | Event::TransferCredited { from, to, .. }
        | Event::TransferCreditDeclined { from, to, .. } => vec![from, to],
        Event::TransferRefunded { from, .. } => vec![from],
        Event::TransferCompleted { .. }
        | Event::TransferRejected { .. }
        | Event::TransferFailed { .. } => vec![],
    }
}

pub async fn load(db: &Db, g: Generation, handles: Vec<String>) -> anyhow::Result<Accounts> {
    let mut accounts: Accounts = handles.iter().map(|h| (h.clone(), empty(h))).collect();
    let sql = format!(
        "SELECT * OMIT id FROM array::map($handles, |$h| type::record('{}', $h)) WHERE id != NONE",
        g.table(TABLE)
    );
    for row in db::rows(db, sql, json!({ "handles": handles })).await? {
        let account: Wallet = serde_json::from_value(row)?;
        accounts.insert(account.handle.clone(), account);
    }
    Ok(accounts)
}

/// Applies one event to the accounts it touches (loaded by [`load`]).
pub fn apply(accounts: &mut Accounts, event: &Event, position: u64) {
    let mut change = |handle: &str, change: &dyn Fn(&mut Wallet)| {
        let account = accounts
            .entry(handle.to_owned())
            .or_insert_with(|| empty(handle));
        change(account);
        account.position = position;
    };
    match event {
        Event::MoneyDeposited {
            handle, balance, ..
        }
        | Event::MoneyWithdrawn {
            handle, balance, ..
        } => change(handle, &|a| a.balance = *balance),
        Event::TransferRequested {
            from, to, amount, ..
        } => {
            change(from, &|a| a.pending_out += amount);
            change(to, &|a| a.pending_in += amount);
        }
        Event::TransferDebited {
            from,
            to,
            amount,
            balance,
            ..
        } => {
            change(from, &|a| {
                a.balance = *balance;
                a.pending_out = a.pending_out.saturating_sub(*amount);
            });
            change(to, &|_| {});
        }
        Event::TransferDebitDeclined {
            from, to, amount, ..
        } => {
            change(from, &|a| {
                a.pending_out = a.pending_out.saturating_sub(*amount)
            });
            change(to, &|a| a.pending_in = a.pending_in.saturating_sub(*amount));
        }
        Event::TransferCredited {
            to,
            amount,
            balance,
            ..
        } => change(to, &|a| {
            a.balance = *balance;
            a.pending_in = a.pending_in.saturating_sub(*amount);
        }),
        Event::TransferCreditDeclined { to, amount, .. } => {
            change(to, &|a| a.pending_in = a.pending_in.saturating_sub(*amount))
        }
        Event::TransferRefunded { from, balance, .. } => change(from, &|a| a.balance = *balance),
        Event::TransferCompleted { .. }
        | Event::TransferRejected { .. }
        | Event::TransferFailed { .. } => {}
    }
}

pub fn row(account: &Wallet) -> Value {
    json!({
        "id": account.handle,
        "handle": account.handle,
        "balance": account.balance,
        "pending_out": account.pending_out,
        "pending_in": account.pending_in,
        "position": account.position,
    })
}

/// One person's account (an empty one for someone who never used it).
pub async fn account(db: &Db, g: Generation, handle: &str) -> anyhow::Result<Wallet> {
    let accounts = load(db, g, vec![handle.to_owned()]).await?;
    Ok(accounts
        .get(handle)
        .cloned()
        .unwrap_or_else(|| empty(handle)))
}
