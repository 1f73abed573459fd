//! `/wallet/statements/:year`: one year of the signed-in person's account, as the server
//! precomputed it — opening and closing balance, the totals, every movement — with the position it
//! is true up to, its checksum, and the same movements as a CSV download.

use crate::components::ledger::{describe, signed, when};
use crate::components::site_header::{page_frame, SiteHeader};
use crate::data::{load, load_me};
use crate::wire::{Me, Statement};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn WalletStatementPage() -> impl IntoView {
    let params = use_params_map();
    let year = move || params.read().get("year").unwrap_or_default();
    let me = Resource::new(|| (), |_| load_me());
    let statement = Resource::new(year, |year| async move {
        match year.trim().parse::<i32>() {
            Ok(year) => load::<Statement>(format!("/api/wallet/statements/{year}")).await,
            Err(_) => Err(format!("“{year}” is not a year.")),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, statement) = (me.await, statement.await);
                view! { <StatementView me year=year() statement/> }
            })}
        </Suspense>
    }
}

#[component]
fn StatementView(
    me: Option<Me>,
    year: String,
    statement: Result<Statement, String>,
) -> impl IntoView {
    let (session, connection, unread) = page_frame(me);
    let content = match (session.0.with_untracked(Option::is_some), statement) {
        (false, _) => {
            view! { <p><a href="/">"Sign in"</a>" to see your statements."</p> }.into_any()
        }
        (true, Err(error)) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
        (true, Ok(statement)) => view! { <StatementBody statement/> }.into_any(),
    };
    view! {
        <SiteHeader connection unread/>
        <main class="statement">
            <h2>"Statement "{year}</h2>
            <p><a href="/wallet">"Back to the wallet"</a></p>
            {content}
        </main>
    }
}

#[component]
fn StatementBody(statement: Statement) -> impl IntoView {
    let csv = format!("/api/wallet/statements/{}?format=csv", statement.year);
    let file = format!("statement-{}-{}.csv", statement.handle, statement.year);
    let totals = [
        ("Opening balance", statement.opening),
        ("Deposits", statement.deposits),
        ("Withdrawals", statement.withdrawals),
        ("Sent", statement.sent),
        ("Received", statement.received),
        ("Bonus", statement.bonus),
        ("Refunds", statement.refunds),
        ("Closing balance", statement.closing),
    ];
    let empty = statement.movements.is_empty();
    view! {
        <section class="statement-totals" aria-label="Totals">
            <table class="totals">
                <caption>"Totals for @"{statement.handle.clone()}</caption>
                <tbody>
                    {totals.into_iter().map(|(name, value)| view! {
                        <tr><th scope="row">{name}</th><td class="num">{value}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="proof muted">
                "True up to position #"{statement.position}" · checksum "
                <code class="checksum">{statement.checksum.clone()}</code>
            </p>
            // `download`: the router leaves the link to the browser, which saves the file.
            <p><a class="download" href=csv download=file>"Download CSV"</a></p>
        </section>
        <section class="statement-movements" aria-label="Movements">
            {empty.then(|| view! { <p class="empty">"No movements this year."</p> })}
            <div class="table-scroll">
                <table>
                    <caption>"Movements"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"When (UTC)"</th>
                            <th scope="col">"What"</th>
                            <th scope="col" class="num">"Amount"</th>
                            <th scope="col" class="num">"Balance"</th>
                            <th scope="col">"Position"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {statement.movements.into_iter().map(|m| {
                            let why = format!("/wallet/why?at={}", m.position);
                            view! {
                                <tr class="movement" data-kind=m.kind.as_str()>
                                    <td><time datetime=m.at.clone()>{when(&m.at)}</time></td>
                                    <td>{describe(&m)}</td>
                                    <td class="num">{signed(&m)}</td>
                                    <td class="num">{m.balance_after}</td>
                                    <td><a href=why>"#"{m.position}</a></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
