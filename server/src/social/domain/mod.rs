//! The social context's pure write model: every rule of the social network lives here, with no I/O,
//! no clock and no database. Each aggregate is a `decide`/`evolve` pair (see `crate::aggregate`).

pub mod event;
pub mod follow;
pub mod inbox;
pub mod like;
pub mod post;
pub mod relation;
pub mod repost;
pub mod target;
pub mod text;
pub mod user;

pub use crate::aggregate::{Actor, Aggregate, Rule};
pub use event::Event;
