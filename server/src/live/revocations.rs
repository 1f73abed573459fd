//! Rights that end while a socket is open: a session signed out, a person erased. Every socket hears of it and drops the private topics it held under it at once.

use tokio::sync::broadcast;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// A session token that no longer signs anyone in.
    Session(String),
    /// Every session of a person who was erased, by handle.
    Person(String),
}

/// Cheap to clone; one channel for the whole server.
#[derive(Clone)]
pub struct Revocations(broadcast::Sender<Revoked>);

impl Default for Revocations {
    fn default() -> Self {
        // Sockets read it at once; a socket that somehow lags far behind closes (see the socket).
        Revocations(broadcast::channel(1024).0)
    }
}

impl Revocations {
    pub fn revoke(&self, revoked: Revoked) {
        // No socket listening is not an error.
        let _ = self.0.send(revoked);
    }

    pub fn listen(&self) -> broadcast::Receiver<Revoked> {
        self.0.subscribe()
    }
}
