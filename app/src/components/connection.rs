//! The live connection's state, shown in the header of every live page so a person knows whether
//! the page is current (and tests have a stable hook: `data-testid="connection"`, its text).

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Reconnecting,
}

impl Connection {
    fn label(self) -> &'static str {
        match self {
            Connection::Connecting => "connecting",
            Connection::Live => "live",
            Connection::Reconnecting => "reconnecting",
        }
    }
}

#[component]
pub fn ConnectionBadge(connection: RwSignal<Connection>) -> impl IntoView {
    view! {
        <span class="connection" role="status" aria-live="polite" data-testid="connection"
            data-state=move || connection.get().label()>
            {move || connection.get().label()}
        </span>
    }
}
