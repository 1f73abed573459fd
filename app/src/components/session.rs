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
        provide_context(Mine(RwSignal::new(Default::default())));
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

/// Which of the viewer's actions on a post is on its way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    Like,
    Repost,
}

/// What the viewer did to one post on this page, and where the server is with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Own {
    pub liked: bool,
    pub reposted: bool,
    /// Shown already, not answered yet.
    pub sending: Option<Sending>,
    /// Why the server refused the last one (until the next).
    pub refused: Option<String>,
}

/// What the viewer did to posts on this page, by post. A card is drawn again whenever its list
/// item changes (a live count), so this outlives the card: the new card still shows the viewer's
/// own action, and an answer that arrives after the redraw still lands.
#[derive(Clone, Copy)]
pub struct Mine(pub RwSignal<std::collections::HashMap<uuid::Uuid, Own>>);

impl Mine {
    pub fn get() -> Mine {
        match use_context::<Mine>() {
            Some(mine) => mine,
            None => {
                let mine = Mine(RwSignal::new(Default::default()));
                provide_context(mine);
                mine
            }
        }
    }

    /// The viewer's own state of a post (tracked): what this page did to it, else what the server
    /// said (`liked`, `reposted`).
    pub fn of(&self, id: uuid::Uuid, server: (bool, bool)) -> Own {
        self.0
            .with(|mine| mine.get(&id).cloned())
            .unwrap_or_else(|| from_server(server))
    }

    pub fn of_untracked(&self, id: uuid::Uuid, server: (bool, bool)) -> Own {
        self.0
            .with_untracked(|mine| mine.get(&id).cloned())
            .unwrap_or_else(|| from_server(server))
    }

    pub fn set(&self, id: uuid::Uuid, own: Own) {
        self.0.update(|mine| {
            mine.insert(id, own);
        });
    }
}

fn from_server((liked, reposted): (bool, bool)) -> Own {
    Own {
        liked,
        reposted,
        ..Own::default()
    }
}
