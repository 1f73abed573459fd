//! The page's person, shared with every component below a page (post actions, the header).

use crate::wire::Me;
use leptos::prelude::*;

/// Who is signed in on this page (`None`: nobody), as a signal components can read and sign-out set.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<Me>>);

impl Session {
    pub fn provide(me: Option<Me>) -> Session {
        let session = Session(RwSignal::new(me));
        provide_context(session);
        session
    }

    /// The session of the page (a signed-out one outside any page).
    pub fn get() -> Session {
        use_context::<Session>().unwrap_or_else(|| Session(RwSignal::new(None)))
    }

    pub fn handle(&self) -> Option<String> {
        self.0
            .with(|me| me.as_ref().map(|me| me.user.handle.clone()))
    }
}
