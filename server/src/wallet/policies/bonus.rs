//! The bonus: every deposit into a person's account makes the fund grow by 1 % of it (rounded
//! down, nothing when that is 0) while the fund holds less than `FUND_CAP`. The fund's own deposits
//! and refunds earn nothing. The cap is the fund account's rule (`decide` skips the bonus once the
//! fund is full), so a redelivered deposit decides the same as the first time.

use crate::commands::{CommandBus, CommandError};
use crate::policies::{Issue, Policy};
use crate::wallet::domain::{Event, FUND};
use app::wire::Envelope;
use futures::future::BoxFuture;
use serde_json::json;

pub struct Bonus;

/// The bonus a deposit earns the fund, if any.
pub fn bonus_for(event: &Event) -> Option<Issue> {
    let Event::MoneyDeposited {
        handle,
        amount,
        bonus_for: None,
        ..
    } = event
    else {
        return None;
    };
    let bonus = amount / 100;
    (handle != FUND && bonus > 0).then(|| Issue {
        command_type: "DepositMoney",
        payload: json!({ "handle": FUND, "amount": bonus, "bonus_for": handle }),
    })
}

impl Policy for Bonus {
    fn name(&self) -> &'static str {
        "bonus"
    }

    /// Coins are on their way: no event of this process is ever skipped.
    fn never_skips(&self) -> bool {
        true
    }

    fn react<'a>(
        &'a self,
        _bus: &'a CommandBus,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<Vec<Issue>, CommandError>> {
        Box::pin(async move { super::react_with(event, bonus_for) })
    }
}
