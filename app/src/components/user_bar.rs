//! Who is signed in, and the way out.

use crate::wire::Me;
use leptos::prelude::*;

#[component]
pub fn UserBar(me: RwSignal<Option<Me>>) -> impl IntoView {
    let sign_out = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if crate::client::post::<_, ()>("/api/auth/signout", &())
                .await
                .is_ok()
            {
                me.set(None);
            }
        });
    };
    view! {
        <Show when=move || me.with(Option::is_some)>
            <span class="signed-in">
                "Signed in as "
                <strong>{move || me.with(|me| me.as_ref().map(|me| format!("@{}", me.user.handle)))}</strong>
            </span>
            <Show when=move || me.with(|me| me.as_ref().is_some_and(|me| me.is_admin))>
                <a class="admin-link" href="/admin">"Admin"</a>
            </Show>
            <button type="button" on:click=sign_out>"Sign out"</button>
        </Show>
    }
}
