//! The social context's read models, one projector a file.

pub mod home;
pub mod notifications;
pub mod people;
pub mod search;
pub mod timeline;
