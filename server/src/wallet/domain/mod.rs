//! The wallet's pure domain: accounts (`account-<handle>`) that hold coins and never go below zero,
//! and transfers (`transfer-<id>`) that are accepted at once and settled by the transfer process
//! (`crate::wallet::policies::transfers`) in steps, each an event on the account it touches.
//!
//! Every account event carries the balance it leaves behind: the decision knew it, and so read
//! models and statements never have to recompute a balance from history.

pub mod account;
pub mod event;
pub mod transfer;

#[cfg(test)]
mod tests;

pub use crate::aggregate::{Aggregate, Rule};
pub use event::Event;

/// The community fund's handle: an account nobody can sign up as.
pub const FUND: &str = "fund";

/// The bonus policy stops paying into the fund once it holds this much.
pub const FUND_CAP: u64 = 100_000;

/// The largest amount of one command.
pub const MAX_AMOUNT: u64 = 1_000_000_000;

/// The most a person may top up with one command (admins and policies are not held to it).
pub const MAX_PERSONAL_DEPOSIT: u64 = 10_000;

/// The most one account holds: what a credit beyond it would make is refused (and a transfer that
/// would make it is refunded), so no sum of balances can overflow.
pub const MAX_BALANCE: u64 = 10_000_000_000;

/// The refusal of a debit or withdrawal that would take the balance below zero.
pub const OVERDRAW: &str = "can not overdraw account";

/// The refusal of an amount that is not a whole number of coins from 1 to [`MAX_AMOUNT`].
pub fn invalid_amount() -> Rule {
    Rule::Invalid(format!(
        "amount is a whole number of coins from 1 to {MAX_AMOUNT}"
    ))
}

/// Checks an amount of the contract: a whole number of coins from 1 to [`MAX_AMOUNT`].
pub fn valid_amount(amount: u64) -> Result<u64, Rule> {
    if (1..=MAX_AMOUNT).contains(&amount) {
        Ok(amount)
    } else {
        Err(invalid_amount())
    }
}
