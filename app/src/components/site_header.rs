//! The header of every page: the site's name, where to go, the unread notifications badge, the live
//! connection's state, and who is signed in.

use super::connection::{Connection, ConnectionBadge};
use super::session::Session;
use super::user_bar::UserBar;
use crate::wire::MAX_UNREAD;
use leptos::prelude::*;

#[component]
pub fn SiteHeader(connection: RwSignal<Connection>, unread: RwSignal<u64>) -> impl IntoView {
    let session = Session::get();
    let signed_in = move || session.0.with(Option::is_some);
    let profile = move || {
        session
            .handle()
            .map(|handle| format!("/u/{handle}"))
            .unwrap_or_default()
    };
    let badge = move || match unread.get() {
        0 => String::new(),
        n if n > MAX_UNREAD => format!("{MAX_UNREAD}+"),
        n => n.to_string(),
    };
    view! {
        <header class="site-header">
            <a class="brand" href="/"><h1>"Agora"</h1></a>
            <nav aria-label="Main">
                <Show when=signed_in>
                    <a href="/home">"Home"</a>
                </Show>
                <a href="/">"Public"</a>
                <a href="/search">"Search"</a>
                <Show when=signed_in>
                    <a href="/notifications" class="notifications-link">
                        "Notifications"
                        <Show when=move || { unread.get() > 0 }>
                            " "
                            <span class="badge" aria-label=move || format!("{} unread", badge())>{badge}</span>
                        </Show>
                    </a>
                    <a href="/wallet">"Wallet"</a>
                    <a href=profile>"Profile"</a>
                    <a href="/settings">"Settings"</a>
                </Show>
            </nav>
            <ConnectionBadge connection/>
            <UserBar me=session.0/>
        </header>
    }
}

/// Keeps the unread count of the signed-in person current: read once, then each new notification
/// on the `notifications` topic adds one, and a read mark sets it from the server again.
pub fn follow_unread(
    Unread {
        count: unread,
        at: position,
    }: Unread,
    connection: RwSignal<Connection>,
) {
    #[cfg(feature = "hydrate")]
    {
        use crate::wire::{ChangeKind, Notification, NotificationPage, ServerFrame};
        let session = Session::get();
        if session.0.with_untracked(Option::is_none) {
            return;
        }
        let refetch = move || {
            leptos::task::spawn_local(async move {
                if let Ok(page) = crate::client::get::<NotificationPage<Notification>>(
                    "/api/notifications?limit=1",
                )
                .await
                {
                    // Answers can arrive out of order: one read before a change already counted
                    // (or before a later answer) would set the badge back.
                    if page.position >= position.get_untracked() {
                        unread.set(page.unread);
                        position.set(page.position);
                    }
                }
            })
        };
        refetch();
        crate::client::follow(
            "notifications".to_owned(),
            // Until the count is read, from now: a subscription after 0 would count everything.
            move || Some(position.get_untracked()).filter(|p| *p > 0),
            connection,
            move |frame| match frame {
                ServerFrame::Change {
                    kind: ChangeKind::Upsert,
                    position: at,
                    ..
                } => {
                    unread.update(|n| *n += 1);
                    position.update(|p| *p = (*p).max(at));
                }
                ServerFrame::Change { .. } | ServerFrame::Resync { .. } => refetch(),
                _ => {}
            },
        );
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (unread, position, connection);
}

/// The page's unread count and the position it was read at, for the page that reads notifications.
#[derive(Clone, Copy)]
pub struct Unread {
    pub count: RwSignal<u64>,
    pub at: RwSignal<u64>,
}

impl Unread {
    /// Everything up to `position` was marked read: a count read before it is stale.
    pub fn read_up_to(self, position: u64) {
        self.count.set(0);
        self.at.update(|at| *at = (*at).max(position));
    }
}

/// What every page sets up around its content: the session, the live connection's state and the
/// unread count, followed for as long as the page lives.
pub fn page_frame(me: Option<crate::wire::Me>) -> (Session, RwSignal<Connection>, RwSignal<u64>) {
    let session = Session::provide(me);
    let connection = RwSignal::new(Connection::Connecting);
    provide_context(connection);
    let unread = Unread {
        count: RwSignal::new(0),
        at: RwSignal::new(0),
    };
    provide_context(unread);
    Effect::new(move |_| follow_unread(unread, connection));
    (session, connection, unread.count)
}
