//! The social context's policies: event → command.

pub mod blocking;
pub mod moderation;
