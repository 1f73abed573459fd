//! `/wallet/why?at=P`: why the signed-in person's balance was what it was at position P — the
//! balance then, and every movement up to P (newest first) with its chain of causes back to the
//! person's own action: "transfer_in of 5 from ann — CreditTransfer by system:transfers, caused by
//! AccountDebited at #12, caused by TransferMoney by ann".

use crate::components::ledger::{technical, when};
use crate::components::site_header::{page_frame, SiteHeader};
use crate::data::{load, load_me};
use crate::pages::search::encode;
use crate::wire::{BalanceWhy, Cause, ExplainedMovement, Me};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const LIMIT: u32 = 50;

#[component]
pub fn WalletWhyPage() -> impl IntoView {
    let query = use_query_map();
    let asked = move || {
        let query = query.read();
        (query.get("at"), query.get("cursor"))
    };
    let me = Resource::new(|| (), |_| load_me());
    let why = Resource::new(asked, |(at, cursor)| {
        load::<BalanceWhy>(source(at.as_deref(), cursor.as_deref()))
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, why) = (me.await, why.await);
                view! { <WhyView me why/> }
            })}
        </Suspense>
    }
}

/// The query for a position (none, or not a number: now) and a page cursor.
fn source(at: Option<&str>, cursor: Option<&str>) -> String {
    let mut path = format!("/api/wallet/why?limit={LIMIT}");
    if let Some(at) = at.and_then(|at| at.trim().parse::<u64>().ok()) {
        path.push_str(&format!("&at={at}"));
    }
    if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
        path.push_str(&format!("&cursor={}", encode(cursor)));
    }
    path
}

fn actor(cause: &Cause) -> &str {
    cause.actor.as_deref().unwrap_or("someone")
}

/// A cause and the steps before it, as one sentence. A loop, not recursion: chains can be long.
pub fn chain(cause: &Cause) -> String {
    let mut text = format!("{} by {}", cause.command_type, actor(cause));
    let mut before = cause.caused_by.as_deref();
    while let Some(step) = before {
        text.push_str(&format!(
            ", caused by {} at #{}, caused by {} by {}",
            step.event,
            step.position,
            step.cause.command_type,
            actor(&step.cause)
        ));
        before = step.cause.caused_by.as_deref();
    }
    text
}

#[component]
fn WhyView(me: Option<Me>, why: Result<BalanceWhy, String>) -> impl IntoView {
    let (session, connection, unread) = page_frame(me);
    let admin = session
        .0
        .with_untracked(|me| me.as_ref().is_some_and(|me| me.is_admin));
    let content = match (session.0.with_untracked(Option::is_some), why) {
        (false, _) => {
            view! { <p><a href="/">"Sign in"</a>" to see why your balance is what it is."</p> }
                .into_any()
        }
        (true, Err(error)) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
        (true, Ok(why)) => {
            let older = why.next.clone().map(|next| {
                let href = format!("/wallet/why?at={}&cursor={}", why.at, encode(&next));
                view! { <p class="pager"><a href=href>"Older movements"</a></p> }
            });
            let empty = why.movements.is_empty();
            view! {
                <section class="why-balance" aria-label="Balance at this position">
                    <p class="balance">
                        "Balance at #"{why.at}": "<strong class="coins">{why.balance}</strong>" coins"
                    </p>
                    {why.stale.then(|| view! {
                        <p class="muted">"The wallet's read model had not reached this position yet: this may be incomplete."</p>
                    })}
                </section>
                <section class="why-movements" aria-label="What made it">
                    <h3>"What made it"</h3>
                    {empty.then(|| view! { <p class="empty">"No movements up to this position."</p> })}
                    <ol class="explained">
                        {why.movements.into_iter().map(|m| view! { <Explained m admin/> }).collect_view()}
                    </ol>
                    {older}
                </section>
            }
            .into_any()
        }
    };
    view! {
        <SiteHeader connection unread/>
        <main class="wallet-why">
            <h2>"Why this balance"</h2>
            <p><a href="/wallet">"Back to the wallet"</a></p>
            {content}
        </main>
    }
}

#[component]
fn Explained(m: ExplainedMovement, admin: bool) -> impl IntoView {
    let movement = technical(&m.movement);
    let causes = chain(&m.cause);
    let at = when(&m.movement.at);
    let tree = admin.then(|| {
        let href = format!("/admin/causation/{}", m.cause.command_id);
        view! { " " <a class="causation" href=href>"causation tree"</a> }
    });
    view! {
        <li class="explained-movement" data-kind=m.movement.kind.as_str() data-position=m.movement.position>
            <p class="chain">
                <strong class="movement-what">{movement}</strong>" — "<span class="causes">{causes}</span>
            </p>
            <p class="meta">
                "#"{m.movement.position}" · "
                <time datetime=m.movement.at.clone()>{at}</time>
                " · balance after "{m.movement.balance_after}
                {tree}
            </p>
        </li>
    }
}
