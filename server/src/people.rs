//! Who people are, as the runtime needs to know them to sign them in and check their roles. The
//! runtime's auth asks through this trait; the context that owns people (social) answers.

use crate::commands::{CommandBus, CommandError};
use crate::credentials::Credentials;
use app::wire::User;
use futures::future::BoxFuture;

/// A registered person.
#[derive(Debug, Clone)]
pub struct Person {
    pub user: User,
    pub is_admin: bool,
}

pub trait People: Send + Sync + 'static {
    /// Runs once at every start, before requests are served (one-time data moves, say).
    fn prepare<'a>(
        &'a self,
        _bus: &'a CommandBus,
        _credentials: &'a Credentials,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// Forgets what the runtime keeps of a person who was erased (their password's hash), once
    /// their erasure is in the log. Sessions and open sockets the runtime ends itself.
    fn forget<'a>(
        &'a self,
        _bus: &'a CommandBus,
        _credentials: &'a Credentials,
        _handle: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// The person with this handle, read from the write model (so a sign-up counts at once).
    fn find<'a>(
        &'a self,
        bus: &'a CommandBus,
        handle: &'a str,
    ) -> BoxFuture<'a, Result<Option<Person>, CommandError>>;

    /// Makes a registered person an admin, on behalf of `by` (a system actor: the flag, the CLI).
    fn grant_admin<'a>(
        &'a self,
        bus: &'a CommandBus,
        handle: &'a str,
        by: &'a str,
    ) -> BoxFuture<'a, Result<u64, CommandError>>;
}
