//! After a person is erased (their key destroyed in the store's vault), what the runtime holds of
//! them beside the log goes too: their open sockets lose their private topics, their sessions and
//! password hash are dropped, and the live journal and ring — serialised frames that may quote
//! them — are cut, and every open page refetches from read models that have forgotten them. Each subject is marked forgotten when all of that is done; a start goes over
//! any a crash left unmarked. The runtime does this for any context: it hears only a subject.

use crate::commands::CommandBus;
use crate::credentials::Credentials;
use crate::live::journal::Journal;
use crate::live::revocations::{Revocations, Revoked};
use crate::live::Hub;
use crate::people::People;
use crate::projections::Projections;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How long the cut waits for the read models to apply the erasure before it cuts anyway.
const READ_MODELS_WAIT: Duration = Duration::from_secs(60);

/// How often the context is asked to forget before the next start is left to try again.
const FORGET_TRIES: u32 = 25;

pub struct Forgetting {
    pub bus: CommandBus,
    pub credentials: Credentials,
    pub people: Arc<dyn People>,
    pub revocations: Revocations,
    pub projections: Projections,
    pub hub: Hub,
    pub journal: Journal,
}

impl Forgetting {
    /// Runs for as long as the server does: first the subjects a crash left, then each new one.
    pub async fn run(self) {
        let mut erasures = self.bus.store().vault().erasures();
        match self.bus.store().vault().unforgotten().await {
            Ok(left) => {
                for subject in left {
                    self.forget_logged(&subject).await;
                }
            }
            Err(error) => tracing::warn!(%error, "the erased people could not be listed"),
        }
        loop {
            match erasures.recv().await {
                Ok(subject) => self.forget_logged(&subject).await,
                Err(RecvError::Lagged(_)) => {
                    // Missed some: the vault knows which are left.
                    if let Ok(left) = self.bus.store().vault().unforgotten().await {
                        for subject in left {
                            self.forget_logged(&subject).await;
                        }
                    }
                }
                Err(RecvError::Closed) => return,
            }
        }
    }

    async fn forget_logged(&self, subject: &str) {
        if let Err(error) = self.forget(subject).await {
            tracing::error!(
                subject,
                error = format!("{error:#}"),
                "forgetting an erased person failed; the next start tries again"
            );
        }
    }

    async fn forget(&self, subject: &str) -> anyhow::Result<()> {
        self.revocations.revoke(Revoked::Person(subject.to_owned()));
        self.credentials.end_sessions(subject).await?;
        // The erasure's own event follows the key's destruction by a moment.
        let mut tries = 0;
        while let Err(error) = self
            .people
            .forget(&self.bus, &self.credentials, subject)
            .await
        {
            tries += 1;
            if tries == FORGET_TRIES {
                return Err(error);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Now the read models have the erasure before them: once they applied it, every frame
        // that could quote the person is cut, and every open page refetches what is left.
        let store = self.bus.store();
        let head = store.head();
        self.projections.wait_for_all(head, READ_MODELS_WAIT).await;
        // First what makes every page refetch, then the rows (a scan of the journal: slow on a
        // large one, and nothing serves them any more meanwhile).
        crate::live::journal::record_rebuild(store.db(), head).await?;
        self.hub.forget_all(head);
        self.journal.cut(head).await?;
        // States the command bus kept may hold what the person wrote, opened before the key went.
        self.bus.forget_states();
        store.vault().mark_forgotten(subject).await?;
        tracing::info!(subject, position = head, "an erased person is forgotten");
        Ok(())
    }
}
