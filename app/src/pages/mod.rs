//! One file per page.

pub mod home;
