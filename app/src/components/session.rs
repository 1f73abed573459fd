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

/// What the viewer did to posts on this page (liked, reposted), so a card drawn again from its list
/// (after a live count change) still shows the viewer's own action.
#[derive(Clone, Copy)]
pub struct Mine(pub RwSignal<std::collections::HashMap<uuid::Uuid, (bool, bool)>>);

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

    /// The post as the viewer last left it.
    pub fn apply(&self, mut post: crate::wire::Post) -> crate::wire::Post {
        if let Some((liked, reposted)) = self.0.with_untracked(|mine| mine.get(&post.id).copied()) {
            post.liked_by_me = liked;
            post.reposted_by_me = reposted;
        }
        post
    }

    pub fn remember(&self, post: &crate::wire::Post) {
        self.0.update(|mine| {
            mine.insert(post.id, (post.liked_by_me, post.reposted_by_me));
        });
    }
}
