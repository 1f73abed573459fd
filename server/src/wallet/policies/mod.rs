//! The wallet's policies: the transfer process, and the bonus into the community fund.

pub mod bonus;
pub mod transfers;
