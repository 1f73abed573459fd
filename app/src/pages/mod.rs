//! One file per page.

pub mod admin_causation;
pub mod admin_events;
pub mod admin_projections;
pub mod admin_stream;
pub mod home;
