//! One file per page.

pub mod admin_causation;
pub mod admin_events;
pub mod admin_projections;
pub mod admin_stream;
pub mod history;
pub mod home;
pub mod home_feed;
pub mod notifications;
pub mod profile;
pub mod search;
pub mod settings;
pub mod tag;
pub mod thread;
pub mod wallet;
pub mod wallet_statement;
pub mod wallet_why;
