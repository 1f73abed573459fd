//! The wallet page's state — the account, its recent movements, the transfers seen on the page —
//! and how it stays current: the `wallet` topic's changes, and reads at a command's position
//! (read-your-writes) after this page's own commands.

use crate::wire::{Movement, Transfer, Wallet};
use leptos::prelude::*;
use serde_json::Value;

/// The recent movements the page lists (the first page of the query).
pub const MOVEMENTS: &str = "/api/wallet/movements?limit=20";
/// The recent transfers in and out, newest first.
pub const TRANSFERS: &str = "/api/wallet/transfers?limit=10";
const SHOWN: usize = 20;

#[derive(Clone, Copy)]
pub struct WalletState {
    pub wallet: RwSignal<Option<Wallet>>,
    /// Newest first.
    pub movements: RwSignal<Vec<Movement>>,
    /// Newest first.
    pub transfers: RwSignal<Vec<Transfer>>,
    /// The position the page's data has reached: a reconnect subscribes after it.
    pub position: RwSignal<u64>,
}

impl WalletState {
    pub fn new(wallet: Option<Wallet>, movements: Vec<Movement>, position: u64) -> Self {
        WalletState {
            wallet: RwSignal::new(wallet),
            movements: RwSignal::new(movements),
            transfers: RwSignal::new(Vec::new()),
            position: RwSignal::new(position),
        }
    }

    /// Takes an account read unless the page already has a newer one (a push and a read can cross).
    pub fn set_wallet(&self, next: Wallet) {
        self.wallet.update(|wallet| {
            let newer = match wallet {
                Some(current) => next.position >= current.position,
                None => true,
            };
            if newer {
                *wallet = Some(next);
            }
        });
    }

    /// Adds a movement once (pushes and reads overlap); a newer one also sets the balance, so the
    /// figure moves with the list even before the account's own change arrives.
    pub fn add_movement(&self, movement: Movement) {
        self.wallet.update(|wallet| {
            if let Some(wallet) = wallet {
                if movement.position > wallet.position {
                    wallet.balance = movement.balance_after;
                    wallet.position = movement.position;
                }
            }
        });
        self.movements.update(|list| {
            let known = list
                .iter()
                .any(|m| m.position == movement.position && m.kind == movement.kind);
            if !known {
                list.push(movement);
                list.sort_by_key(|m| std::cmp::Reverse(m.position));
                list.truncate(SHOWN);
            }
        });
    }

    /// Puts a transfer on the list, or replaces the one with its id. A settled status is never
    /// replaced by a pending one: the poll and the push can arrive in either order.
    pub fn put_transfer(&self, transfer: Transfer) {
        self.transfers
            .update(|list| match list.iter_mut().find(|t| t.id == transfer.id) {
                Some(known) => {
                    if !known.status.is_settled() || transfer.status.is_settled() {
                        *known = transfer;
                    }
                }
                None => list.insert(0, transfer),
            });
    }

    /// Takes away a transfer the server refused outright (it never existed).
    pub fn drop_transfer(&self, id: uuid::Uuid) {
        self.transfers.update(|list| list.retain(|t| t.id != id));
    }

    pub fn seen(&self, at: u64) {
        self.position.update(|p| *p = (*p).max(at));
    }

    /// One `upsert` of the `wallet` topic. Its `data` is an account, a movement or a transfer, told
    /// apart by the field only that shape has.
    pub fn apply(&self, data: Value) {
        if data.get("pending_out").is_some() {
            if let Ok(wallet) = serde_json::from_value::<Wallet>(data) {
                self.set_wallet(wallet);
            }
        } else if data.get("balance_after").is_some() {
            if let Ok(movement) = serde_json::from_value::<Movement>(data) {
                self.add_movement(movement);
            }
        } else if data.get("status").is_some() {
            if let Ok(transfer) = serde_json::from_value::<Transfer>(data) {
                self.put_transfer(transfer);
            }
        }
    }

    /// Reads the account and the recent movements at least as new as `min_position`. Only `try_`
    /// reads of signals here: the page may have gone while the requests were out.
    #[cfg(feature = "hydrate")]
    pub async fn refresh(self, min_position: u64) {
        use crate::wire::Page;
        let wallet =
            crate::client::get::<Wallet>(&format!("/api/wallet?min_position={min_position}")).await;
        let page = crate::client::get::<Page<Movement>>(&format!(
            "{MOVEMENTS}&min_position={min_position}"
        ))
        .await;
        if let Ok(wallet) = wallet {
            self.set_wallet(wallet);
        }
        if let Ok(page) = page {
            for movement in page.items {
                self.add_movement(movement);
            }
        }
    }

    /// Follows the `wallet` topic for as long as the page lives; a `resync` reads everything again.
    #[cfg(feature = "hydrate")]
    pub fn follow(self, connection: RwSignal<super::connection::Connection>) {
        use crate::wire::{ChangeKind, ServerFrame};
        let position = self.position;
        crate::client::follow(
            "wallet".to_owned(),
            move || Some(position.get_untracked()),
            connection,
            move |frame| match frame {
                ServerFrame::Change {
                    kind: ChangeKind::Upsert,
                    data,
                    position: at,
                    ..
                } => {
                    self.apply(data);
                    self.seen(at);
                }
                ServerFrame::Change { position: at, .. } => self.seen(at),
                ServerFrame::Resync { .. } => leptos::task::spawn_local(self.refresh(0)),
                _ => {}
            },
        );
    }
}
