//! The tip button of a post card: a small inline form sends coins to the post's author
//! (`TransferMoney` with the post's id). The transfer is accepted at once and settles later, so the
//! card says "pending" at once and then polls the transfer until it completed or was rolled back —
//! polling works on every page, with or without a live socket.

use super::session::Session;
use leptos::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use uuid::Uuid;

/// A flag that turns true when the component that made it goes (the router leaves the page, a list
/// drops the card), so the polls it started stop touching its signals (`client::follow` and
/// `client::every` stop on it too).
pub fn gone_flag() -> Arc<AtomicBool> {
    let gone = Arc::new(AtomicBool::new(false));
    let on_gone = gone.clone();
    on_cleanup(move || on_gone.store(true, Ordering::Relaxed));
    gone
}

/// How polling a transfer ended.
#[cfg(feature = "hydrate")]
pub enum Outcome {
    Settled(crate::wire::Transfer),
    /// Still pending when we gave up waiting.
    StillPending,
    /// The component went; nothing may be updated.
    Gone,
}

#[cfg(feature = "hydrate")]
const POLL: std::time::Duration = std::time::Duration::from_millis(300);
#[cfg(feature = "hydrate")]
const GIVE_UP_MS: f64 = 15_000.0;

/// Reads the transfer every ~300 ms until it is no longer pending, for at most ~15 s.
/// `min_position` (the command's position) makes the first read wait for the read model instead of
/// answering 404 before it has the transfer.
#[cfg(feature = "hydrate")]
pub async fn settle(id: Uuid, min_position: u64, gone: Arc<AtomicBool>) -> Outcome {
    use web_sys::js_sys::Date;
    let deadline = Date::now() + GIVE_UP_MS;
    let url = format!("/api/wallet/transfers/{id}?min_position={min_position}");
    while Date::now() < deadline {
        // Sleep first: the transfer was accepted a moment ago and is certainly still pending.
        gloo_timers::future::sleep(POLL).await;
        if gone.load(Ordering::Relaxed) {
            return Outcome::Gone;
        }
        if let Ok(transfer) = crate::client::get::<crate::wire::Transfer>(&url).await {
            if transfer.status.is_settled() {
                return Outcome::Settled(transfer);
            }
        }
    }
    if gone.load(Ordering::Relaxed) {
        Outcome::Gone
    } else {
        Outcome::StillPending
    }
}

/// The states a tip goes through; only the browser moves it past `Idle`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum TipState {
    Idle,
    Pending(u64),
    Done(u64),
    StillPending(u64),
    RolledBack(String),
    /// The command itself was refused (400/404/422): nothing was sent.
    Refused(String),
}

impl TipState {
    fn name(&self) -> &'static str {
        match self {
            TipState::Idle => "idle",
            TipState::Pending(_) => "pending",
            TipState::Done(_) => "completed",
            TipState::StillPending(_) => "still_pending",
            TipState::RolledBack(_) => "rolled_back",
            TipState::Refused(_) => "refused",
        }
    }

    /// What the polite status line says (progress and success).
    fn progress(&self) -> String {
        match self {
            TipState::Pending(n) => format!("Tip of {n} pending…"),
            TipState::Done(n) => format!("Tipped {n}"),
            TipState::StillPending(n) => format!("Tip of {n} still pending"),
            _ => String::new(),
        }
    }

    /// What the alert says (the tip did not happen).
    fn problem(&self) -> Option<String> {
        match self {
            TipState::RolledBack(reason) => Some(format!("Tip rolled back: {reason}")),
            TipState::Refused(message) => Some(message.clone()),
            _ => None,
        }
    }
}

/// Shown only to signed-in people who did not write the post.
#[component]
pub fn Tip(post_id: Uuid, to: String) -> impl IntoView {
    let session = Session::get();
    // Stored, so the closures below stay `Copy` and can live inside `Show`.
    let to = StoredValue::new(to);
    let gone = StoredValue::new(gone_flag());
    let can_tip = move || {
        session
            .handle()
            .is_some_and(|me| to.with_value(|to| me != *to))
    };
    let open = RwSignal::new(false);
    let amount = RwSignal::new("10".to_owned());
    let state = RwSignal::new(TipState::Idle);
    let busy = move || state.with(|s| matches!(s, TipState::Pending(_)));
    let problem = move || state.with(TipState::problem);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        send(
            post_id,
            to.get_value(),
            amount,
            state,
            open,
            gone.get_value(),
        );
        #[cfg(not(feature = "hydrate"))]
        let _ = (post_id, gone);
    };
    view! {
        <Show when=can_tip>
            <div class="tip" data-state=move || state.with(TipState::name)>
                <button type="button" class="tip-toggle" disabled=busy
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)>
                    "Tip"
                </button>
                <Show when=move || open.get()>
                    <form class="tip-form" aria-label=move || to.with_value(|to| format!("Tip @{to}")) on:submit=on_submit>
                        <label>
                            "Tip amount"
                            <input type="number" name="amount" min="1" step="1" inputmode="numeric" required bind:value=amount/>
                        </label>
                        <button type="submit" disabled=busy>"Send"</button>
                    </form>
                </Show>
                <span class="tip-status" aria-live="polite">{move || state.with(TipState::progress)}</span>
                <Show when=move || problem().is_some()>
                    <span class="error" role="alert">{problem}</span>
                </Show>
            </div>
        </Show>
    }
}

/// Sends the tip with a transfer id chosen here, then follows it to its outcome.
#[cfg(feature = "hydrate")]
fn send(
    post_id: Uuid,
    to: String,
    amount: RwSignal<String>,
    state: RwSignal<TipState>,
    open: RwSignal<bool>,
    gone: Arc<AtomicBool>,
) {
    use crate::wire::TransferStatus;
    let Some(n) = super::ledger::coins(&amount.get_untracked()) else {
        state.set(TipState::Refused(
            "A tip is a whole number of coins, 1 or more.".into(),
        ));
        return;
    };
    let transfer_id = Uuid::now_v7();
    state.set(TipState::Pending(n));
    open.set(false);
    leptos::task::spawn_local(async move {
        let payload = serde_json::json!({
            "transfer_id": transfer_id,
            "to": to,
            "amount": n,
            "post_id": post_id,
        });
        let answer = match crate::client::command("TransferMoney", payload).await {
            Ok(answer) => answer,
            Err(failure) => {
                state.set(TipState::Refused(failure.message));
                return;
            }
        };
        let next = match settle(transfer_id, answer.position, gone).await {
            Outcome::Gone => return,
            Outcome::StillPending => TipState::StillPending(n),
            Outcome::Settled(t) if t.status == TransferStatus::Completed => TipState::Done(n),
            Outcome::Settled(t) => TipState::RolledBack(super::ledger::reason(&t)),
        };
        state.set(next);
    });
}
