//! Sign-up and sign-in forms.

use crate::wire::Me;
use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    SignUp,
    SignIn,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::SignUp => "Sign up",
            Kind::SignIn => "Sign in",
        }
    }
}

#[component]
pub fn AuthForms(me: RwSignal<Option<Me>>) -> impl IntoView {
    view! {
        <section class="auth">
            <AuthForm kind=Kind::SignUp me/>
            <AuthForm kind=Kind::SignIn me/>
        </section>
    }
}

#[component]
fn AuthForm(kind: Kind, me: RwSignal<Option<Me>>) -> impl IntoView {
    let handle = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        submit(kind, me, [handle, password, display_name], error, busy);
        #[cfg(not(feature = "hydrate"))]
        let _ = me;
    };
    let title = kind.title();
    let password_autocomplete = if kind == Kind::SignUp {
        "new-password"
    } else {
        "current-password"
    };
    view! {
        <form class="auth-form" aria-label=title on:submit=on_submit>
            <h2>{title}</h2>
            <label>"Handle" <input name="handle" autocomplete="username" required bind:value=handle/></label>
            {(kind == Kind::SignUp).then(|| view! {
                <label>"Display name" <input name="display_name" autocomplete="nickname" bind:value=display_name/></label>
            })}
            <label>
                "Password"
                <input type="password" name="password" required
                    autocomplete=password_autocomplete
                    bind:value=password/>
            </label>
            <button type="submit" disabled=move || busy.get()>{title}</button>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get()}</p>
            </Show>
        </form>
    }
}

#[cfg(feature = "hydrate")]
fn submit(
    kind: Kind,
    me: RwSignal<Option<Me>>,
    [handle, password, display_name]: [RwSignal<String>; 3],
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
) {
    use crate::wire::{AuthAnswer, SignIn, SignUp};
    let (handle, password, name) = (
        handle.get_untracked(),
        password.get_untracked(),
        display_name.get_untracked(),
    );
    busy.set(true);
    leptos::task::spawn_local(async move {
        let answer = match kind {
            Kind::SignUp => {
                let display_name = (!name.trim().is_empty()).then_some(name);
                crate::client::post::<_, AuthAnswer>(
                    "/api/auth/signup",
                    &SignUp {
                        handle,
                        password,
                        display_name,
                    },
                )
                .await
            }
            Kind::SignIn => {
                crate::client::post::<_, AuthAnswer>(
                    "/api/auth/signin",
                    &SignIn { handle, password },
                )
                .await
            }
        };
        busy.set(false);
        match answer {
            Ok(_) => match crate::client::get::<Me>("/api/me").await {
                Ok(signed_in) => {
                    error.set(None);
                    me.set(Some(signed_in));
                }
                Err(failure) => error.set(Some(failure.message)),
            },
            Err(failure) if failure.status == 401 => {
                error.set(Some("Wrong handle or password.".into()))
            }
            Err(failure) => error.set(Some(failure.message)),
        }
    });
}
