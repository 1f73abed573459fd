//! The wallet's accounts and transfers, given/when/then.

mod account;
mod transfer;
