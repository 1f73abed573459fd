//! The wallet page's forms: top up and withdraw (one form, two commands), and send coins to a
//! handle. A refusal (400, 404, 422) is shown in the form with the server's own message; a sent
//! transfer is listed at once as pending and then completed, or rolled back with the reason.

use super::session::Session;
use super::wallet_state::WalletState;
use leptos::prelude::*;

/// What a form last said: `(true, …)` progress or success, `(false, …)` a problem.
type Said = RwSignal<Option<(bool, String)>>;

#[component]
fn FormMessage(said: Said) -> impl IntoView {
    move || {
        said.get().map(|(ok, message)| {
            let role = if ok { "status" } else { "alert" };
            view! { <p class="form-message" class:error=!ok role=role>{message}</p> }
        })
    }
}

/// `DepositMoney` or `WithdrawMoney` of an amount.
#[component]
pub fn MoneyForm(
    state: WalletState,
    /// The command: `DepositMoney` or `WithdrawMoney`.
    command: &'static str,
    /// The form's name and button: "Top up", "Withdraw".
    title: &'static str,
    /// The amount's label (unique on the page).
    label: &'static str,
    input_id: &'static str,
    /// The success message's verb: "Topped up", "Withdrew".
    done: &'static str,
) -> impl IntoView {
    let amount = RwSignal::new(String::new());
    let said: Said = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        move_money(state, command, done, amount, said, busy);
        #[cfg(not(feature = "hydrate"))]
        let _ = (state, command, done);
    };
    view! {
        <form class="money-form" aria-label=title on:submit=on_submit>
            <h3>{title}</h3>
            <label for=input_id>{label}</label>
            <input id=input_id type="number" name="amount" min="1" step="1" inputmode="numeric" required bind:value=amount/>
            <button type="submit" disabled=move || busy.get()>{title}</button>
            <FormMessage said/>
        </form>
    }
}

#[cfg(feature = "hydrate")]
fn move_money(
    state: WalletState,
    command: &'static str,
    done: &'static str,
    amount: RwSignal<String>,
    said: Said,
    busy: RwSignal<bool>,
) {
    let Some(n) = super::ledger::coins(&amount.get_untracked()) else {
        said.set(Some((
            false,
            "Give a whole number of coins, 1 or more.".into(),
        )));
        return;
    };
    busy.set(true);
    said.set(None);
    leptos::task::spawn_local(async move {
        let payload = serde_json::json!({ "amount": n });
        match crate::client::command(command, payload).await {
            Ok(answer) => {
                amount.set(String::new());
                said.set(Some((true, format!("{done} {n} coins."))));
                // Read the account as of this command, even if the live push is late or absent.
                state.refresh(answer.position).await;
            }
            Err(failure) => said.set(Some((false, failure.message))),
        }
        busy.set(false);
    });
}

/// `TransferMoney` to a handle, with an optional memo.
#[component]
pub fn SendForm(state: WalletState) -> impl IntoView {
    let to = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let memo = RwSignal::new(String::new());
    let said: Said = RwSignal::new(None);
    let session = Session::get();
    let gone = super::tip::gone_flag();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        send(session, state, to, amount, memo, said, gone.clone());
        #[cfg(not(feature = "hydrate"))]
        let _ = (session, state, &gone);
    };
    view! {
        <form class="money-form send-form" aria-label="Send coins" on:submit=on_submit>
            <h3>"Send coins"</h3>
            <label for="send-to">"To (handle)"</label>
            <input id="send-to" type="text" name="to" autocomplete="off" required bind:value=to/>
            <label for="send-amount">"Amount to send"</label>
            <input id="send-amount" type="number" name="amount" min="1" step="1" inputmode="numeric" required bind:value=amount/>
            <label for="send-memo">"Memo (optional)"</label>
            <input id="send-memo" type="text" name="memo" maxlength="200" bind:value=memo/>
            <button type="submit">"Send"</button>
            <FormMessage said/>
        </form>
    }
}

#[cfg(feature = "hydrate")]
fn send(
    session: Session,
    state: WalletState,
    to: RwSignal<String>,
    amount: RwSignal<String>,
    memo: RwSignal<String>,
    said: Said,
    gone: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use super::tip::{settle, Outcome};
    use crate::wire::{Transfer, TransferStatus};
    let recipient = to.get_untracked().trim().trim_start_matches('@').to_owned();
    if recipient.is_empty() {
        said.set(Some((false, "Say whom to send the coins to.".into())));
        return;
    }
    let Some(n) = super::ledger::coins(&amount.get_untracked()) else {
        said.set(Some((
            false,
            "Give a whole number of coins, 1 or more.".into(),
        )));
        return;
    };
    let note = memo.get_untracked().trim().to_owned();
    let from = session
        .0
        .with_untracked(|me| me.as_ref().map(|me| me.user.handle.clone()))
        .unwrap_or_default();
    // The id is chosen here, so the transfer is listed (pending) before the server answers.
    let id = uuid::Uuid::now_v7();
    state.put_transfer(Transfer {
        id,
        from,
        to: recipient.clone(),
        amount: n,
        memo: note.clone(),
        post_id: None,
        status: TransferStatus::Pending,
        reason: None,
        requested_at: String::new(),
        settled_at: None,
        positions: Vec::new(),
    });
    said.set(Some((true, format!("Sending {n} to @{recipient}…"))));
    leptos::task::spawn_local(async move {
        let mut payload = serde_json::json!({ "transfer_id": id, "to": recipient, "amount": n });
        if !note.is_empty() {
            payload["memo"] = serde_json::Value::String(note);
        }
        let answer = match crate::client::command("TransferMoney", payload).await {
            Ok(answer) => answer,
            Err(failure) => {
                state.drop_transfer(id);
                said.set(Some((false, failure.message)));
                return;
            }
        };
        to.set(String::new());
        amount.set(String::new());
        memo.set(String::new());
        said.set(Some((
            true,
            format!("Transfer of {n} to @{recipient} pending…"),
        )));
        match settle(id, answer.position, gone).await {
            Outcome::Gone => {}
            Outcome::StillPending => said.set(Some((
                true,
                format!("Transfer of {n} to @{recipient} still pending."),
            ))),
            Outcome::Settled(transfer) => {
                let message = if transfer.status == TransferStatus::Completed {
                    (true, format!("Sent {n} to @{recipient}."))
                } else {
                    let why = super::ledger::reason(&transfer);
                    (false, format!("Transfer rolled back: {why}"))
                };
                said.set(Some(message));
                let at = transfer
                    .positions
                    .iter()
                    .copied()
                    .max()
                    .unwrap_or(answer.position);
                state.put_transfer(transfer);
                state.refresh(at).await;
            }
        }
    });
}
