//! `/wallet`: the signed-in person's coins — the balance with what is on its way in and out, top
//! up, withdraw and send, the recent transfers in and out (pending, then completed or rolled back) and
//! the recent movements, each with the link that explains it — live on the `wallet` topic.

use crate::components::ledger::{current_year, MovementList, TransferList};
use crate::components::site_header::{page_frame, SiteHeader};
use crate::components::wallet_forms::{MoneyForm, SendForm};
use crate::components::wallet_state::{WalletState, MOVEMENTS, TRANSFERS};
use crate::data::{load, load_me};
use crate::wire::{Me, Movement, Page, Transfer, Wallet};
use leptos::prelude::*;

#[component]
pub fn WalletPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| load_me());
    let wallet = Resource::new(|| (), |_| load::<Wallet>("/api/wallet".into()));
    let movements = Resource::new(|| (), |_| load::<Page<Movement>>(MOVEMENTS.into()));
    let transfers = Resource::new(|| (), |_| load::<Page<Transfer>>(TRANSFERS.into()));
    // A resource, so the browser hydrates with the server's year instead of computing its own.
    let year = Resource::new(|| (), |_| std::future::ready(current_year()));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, wallet, movements, year) =
                    (me.await, wallet.await, movements.await, year.await);
                let transfers = transfers.await.map(|page| page.items).unwrap_or_default();
                view! { <WalletView me wallet movements transfers year/> }
            })}
        </Suspense>
    }
}

#[component]
fn WalletView(
    me: Option<Me>,
    wallet: Result<Wallet, String>,
    movements: Result<Page<Movement>, String>,
    transfers: Vec<Transfer>,
    year: i32,
) -> impl IntoView {
    let (session, connection, unread) = page_frame(me);
    if session.0.with_untracked(Option::is_none) {
        return view! {
            <SiteHeader connection unread/>
            <main class="wallet">
                <h2>"Wallet"</h2>
                <p><a href="/">"Sign in"</a>" to use your wallet."</p>
            </main>
        }
        .into_any();
    }
    let error = wallet
        .as_ref()
        .err()
        .or_else(|| movements.as_ref().err())
        .cloned();
    let (items, listed_at) = match movements {
        Ok(page) => (page.items, Some(page.position)),
        Err(_) => (Vec::new(), None),
    };
    let wallet = wallet.ok();
    // Subscribe after the older of the two reads, so no change between them is missed (the state
    // takes a change it already has only once).
    let from = [wallet.as_ref().map(|w| w.position), listed_at]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(0);
    let state = WalletState::new(wallet, items, from);
    state.transfers.set(transfers);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| state.follow(connection));
    let statements = [year, year - 1]
        .into_iter()
        .map(|y| view! { " " <a href=format!("/wallet/statements/{y}")>{y}</a> })
        .collect_view();
    view! {
        <SiteHeader connection unread/>
        <main class="wallet" data-position=move || state.position.get()>
            <section class="balance-card" aria-label="Balance">
                <h2>"Wallet"</h2>
                <p class="balance">
                    "Balance "<strong class="coins">{move || state.wallet.with(|w| figure(w, |w| w.balance))}</strong>" coins"
                </p>
                <p class="pending">
                    "Pending: "
                    <span class="pending-in">{move || state.wallet.with(|w| figure(w, |w| w.pending_in))}</span>" coming in · "
                    <span class="pending-out">{move || state.wallet.with(|w| figure(w, |w| w.pending_out))}</span>" going out"
                </p>
                <p class="statements">"Statements:"{statements}</p>
                {error.map(|error| view! { <p class="error" role="alert">{error}</p> })}
            </section>
            <div class="wallet-forms">
                <MoneyForm state command="DepositMoney" title="Top up" label="Top-up amount"
                    input_id="deposit-amount" done="Topped up"/>
                <MoneyForm state command="WithdrawMoney" title="Withdraw" label="Withdrawal amount"
                    input_id="withdraw-amount" done="Withdrew"/>
                <SendForm state/>
            </div>
            <section class="transfers-card" aria-label="Transfers">
                <h3>"Transfers"</h3>
                <TransferList transfers=state.transfers/>
            </section>
            <section class="movements-card" aria-label="Recent movements">
                <h3>"Recent movements"</h3>
                <MovementList movements=state.movements/>
            </section>
        </main>
    }
    .into_any()
}

/// One figure of the account, or a dash when the account could not be read.
fn figure(wallet: &Option<Wallet>, pick: impl Fn(&Wallet) -> u64) -> String {
    wallet
        .as_ref()
        .map(|w| pick(w).to_string())
        .unwrap_or_else(|| "—".to_owned())
}
