//! How the wallet pages word coins: a movement as a person reads their own account, the lists of
//! movements and transfers, and the year (for the statements' links). Everything here renders the
//! same on the server and in the browser, so hydration agrees.

use super::session::Session;
use crate::wire::{Movement, MovementKind, Transfer, TransferStatus};
use leptos::prelude::*;

/// `2026-11-23T17:28:05.123Z` → `2026-11-23 17:28` (UTC, as the server wrote it).
pub fn when(at: &str) -> String {
    format!(
        "{} {}",
        at.get(..10).unwrap_or_default(),
        at.get(11..16).unwrap_or_default()
    )
}

/// A whole number of coins typed into a form, 1 or more; the server checks the upper bounds.
pub fn coins(text: &str) -> Option<u64> {
    text.trim().parse::<u64>().ok().filter(|n| *n > 0)
}

/// `+100` for coins coming in, `−10` for coins going out.
pub fn signed(movement: &Movement) -> String {
    let sign = if movement.kind.is_credit() {
        "+"
    } else {
        "−"
    };
    format!("{sign}{}", movement.amount)
}

fn who(movement: &Movement) -> String {
    movement
        .counterparty
        .as_deref()
        .map(|handle| format!("@{handle}"))
        .unwrap_or_else(|| "someone".to_owned())
}

/// "Received 10 from @ann": a movement in plain words.
pub fn describe(movement: &Movement) -> String {
    let n = movement.amount;
    match movement.kind {
        MovementKind::Deposit => format!("Topped up {n}"),
        MovementKind::Withdrawal => format!("Withdrew {n}"),
        MovementKind::TransferOut => format!("Sent {n} to {}", who(movement)),
        MovementKind::TransferIn => format!("Received {n} from {}", who(movement)),
        MovementKind::Refund => format!("Refund of {n}"),
        MovementKind::Bonus => format!("Bonus of {n}"),
    }
}

/// "transfer_in of 5 from ann": a movement in the contract's words (the why page's first part).
pub fn technical(movement: &Movement) -> String {
    let mut text = format!("{} of {}", movement.kind.as_str(), movement.amount);
    if let Some(other) = &movement.counterparty {
        let direction = if movement.kind.is_credit() {
            "from"
        } else {
            "to"
        };
        text.push_str(&format!(" {direction} {other}"));
    }
    text
}

/// The contract's name of a status (also a stable key for lists: the status has no `Hash`).
pub fn status_name(status: TransferStatus) -> &'static str {
    match status {
        TransferStatus::Pending => "pending",
        TransferStatus::Completed => "completed",
        TransferStatus::Rejected => "rejected",
        TransferStatus::Failed => "failed",
    }
}

/// A rejected or failed transfer's reason, worded for a person.
pub fn reason(transfer: &Transfer) -> String {
    transfer
        .reason
        .clone()
        .unwrap_or_else(|| match transfer.status {
            TransferStatus::Failed => "refunded".to_owned(),
            _ => "the transfer did not go through".to_owned(),
        })
}

/// The current year in UTC. Wasm has no `SystemTime`, but a v7 UUID carries the clock on both sides
/// (`uuid/js` in the browser), so this needs no extra dependency.
pub fn current_year() -> i32 {
    let seconds = uuid::Uuid::now_v7()
        .get_timestamp()
        .map(|t| t.to_unix().0)
        .unwrap_or(0);
    let mut days = seconds / 86_400;
    let mut year = 1970;
    loop {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let length = if leap { 366 } else { 365 };
        if days < length {
            return year;
        }
        days -= length;
        year += 1;
    }
}

/// Movements, newest first, each with the link that explains it.
#[component]
pub fn MovementList(movements: RwSignal<Vec<Movement>>) -> impl IntoView {
    view! {
        <Show when=move || movements.with(Vec::is_empty)>
            <p class="empty">"No movements yet: top up to start."</p>
        </Show>
        <ul class="movements">
            <For each=move || movements.get() key=|m| (m.position, m.kind) let:movement>
                <MovementRow movement/>
            </For>
        </ul>
    }
}

#[component]
fn MovementRow(movement: Movement) -> impl IntoView {
    let what = describe(&movement);
    let amount = signed(&movement);
    let credit = movement.kind.is_credit();
    let why = format!("/wallet/why?at={}", movement.position);
    let why_text = format!("why #{}", movement.position);
    let at = when(&movement.at);
    let post = movement.post_id.map(
        |id| view! { " " <a class="tip-post" href=format!("/p/{id}")>"(a tip on a post)"</a> },
    );
    view! {
        <li class="movement" class:credit=credit data-kind=movement.kind.as_str() data-position=movement.position>
            <span class="what">{what}{post}</span>
            <span class="amount">{amount}</span>
            <span class="meta">
                <span class="after">"balance "{movement.balance_after}</span>" · "
                <time class="at" datetime=movement.at.clone()>{at}</time>" · "
                <a class="why" href=why>{why_text}</a>
            </span>
        </li>
    }
}

/// Transfers seen on this page (sent from it, or pushed by the `wallet` topic), with their status.
#[component]
pub fn TransferList(transfers: RwSignal<Vec<Transfer>>) -> impl IntoView {
    let session = Session::get();
    view! {
        <Show when=move || transfers.with(Vec::is_empty)>
            <p class="empty">"No transfers yet."</p>
        </Show>
        // Polite: a status changing from pending to completed (or rolled back) is read out.
        <ul class="transfers" aria-live="polite">
            <For each=move || transfers.get() key=|t| (t.id, status_name(t.status)) let:transfer>
                {
                    let me = session.0.with_untracked(|me| me.as_ref().map(|me| me.user.handle.clone()));
                    let head = if me.as_deref() == Some(transfer.from.as_str()) {
                        format!("{} to @{}", transfer.amount, transfer.to)
                    } else {
                        format!("{} from @{}", transfer.amount, transfer.from)
                    };
                    let status = match transfer.status {
                        TransferStatus::Pending => "pending…".to_owned(),
                        TransferStatus::Completed => "completed".to_owned(),
                        _ => format!("rolled back: {}", reason(&transfer)),
                    };
                    let memo = (!transfer.memo.is_empty()).then(|| format!(" — “{}”", transfer.memo));
                    view! {
                        <li class="transfer" data-status=status_name(transfer.status) data-transfer-id=transfer.id.to_string()>
                            <span class="what">{head}{memo}</span>
                            " "
                            <span class="status">{status}</span>
                        </li>
                    }
                }
            </For>
        </ul>
    }
}
