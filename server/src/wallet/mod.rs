//! The wallet: coins people hold, top up, withdraw and send each other (a tip is a transfer that
//! names a post). A second bounded context on the same runtime as `social`, laid out the same way:
//! a pure domain (`domain/`), its commands, policies (the transfer process and the fund's bonus),
//! read models, routes, and the thank-you mailer that runs as another system (`mailer`).

pub mod commands;
pub mod domain;
pub mod mailer;
pub mod policies;
#[cfg(test)]
mod process_tests;
pub mod read_models;
pub mod routes;

use crate::live::topics::{Access, TopicRule};
use crate::registry::Registry;
use std::sync::Arc;

pub fn register(registry: &mut Registry) {
    registry
        .context("wallet")
        .personal_fields(domain::event::personal_fields)
        .aggregate::<domain::account::Account>("account")
        .aggregate::<domain::transfer::Transfer>("transfer")
        .commands(Arc::new(commands::WalletCommands))
        .projector(Arc::new(read_models::WALLET))
        .projector(Arc::new(read_models::statements::STATEMENTS))
        .policy(Arc::new(policies::transfers::Transfers))
        .policy(Arc::new(policies::bonus::Bonus))
        .topic(TopicRule::plain("wallet", Access::Own))
        .routes(routes::routes());
}
