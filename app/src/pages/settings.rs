//! `/settings`: one's display name and bio, the people one muted or blocked (with the way back),
//! one's data to download, and the way to erase oneself.

use crate::components::session::Session;
use crate::components::site_header::{page_frame, SiteHeader};
use crate::data::{load, load_me};
use crate::wire::{Me, Page, Profile, UserSummary};
use leptos::prelude::*;

type People = Page<UserSummary>;

#[component]
pub fn SettingsPage() -> impl IntoView {
    // The profile is read in the same resource as the session: a fetch awaited inside the view
    // would run again in the browser while it hydrates, and the page would not match the server's.
    let me = Resource::new(
        || (),
        |_| async {
            let me = load_me().await;
            let profile = match &me {
                Some(me) => load::<Profile>(format!("/api/users/{}", me.user.handle))
                    .await
                    .ok(),
                None => None,
            };
            (me, profile)
        },
    );
    let lists = Resource::new(
        || (),
        |_| async {
            let muted = load::<People>("/api/me/muted?limit=100".into()).await;
            let blocked = load::<People>("/api/me/blocked?limit=100".into()).await;
            (muted, blocked)
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, profile) = me.await;
                let (muted, blocked) = lists.await;
                view! { <SettingsView me profile muted blocked/> }
            })}
        </Suspense>
    }
}

#[component]
fn SettingsView(
    me: Option<Me>,
    profile: Option<Profile>,
    muted: Result<People, String>,
    blocked: Result<People, String>,
) -> impl IntoView {
    let (session, connection, unread) = page_frame(me);
    let handle = session
        .0
        .with_untracked(|me| me.as_ref().map(|me| me.user.handle.clone()));
    let content = match (handle, profile) {
        (Some(handle), Some(profile)) => view! {
            <ProfileForm profile/>
            <People title="Muted" undo="Unmute" people=muted/>
            <People title="Blocked" undo="Unblock" people=blocked/>
            <YourData/>
            <EraseAccount handle/>
        }
        .into_any(),
        _ => view! { <p><a href="/">"Sign in"</a>" to change your settings."</p> }.into_any(),
    };
    view! {
        <SiteHeader connection unread/>
        <main class="settings"><h2>"Settings"</h2>{content}</main>
    }
}

#[component]
fn ProfileForm(profile: Profile) -> impl IntoView {
    let session = Session::get();
    let name = RwSignal::new(profile.display_name.clone());
    let bio = RwSignal::new(profile.bio.clone());
    let status = RwSignal::new(None::<(bool, String)>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        status.set(Some((true, "Saving…".into())));
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let payload = serde_json::json!({ "display_name": name.get_untracked(), "bio": bio.get_untracked() });
            match crate::client::command("UpdateProfile", payload).await {
                Ok(_) => {
                    session.0.update(|me| {
                        if let Some(me) = me {
                            me.user.display_name = name.get_untracked();
                        }
                    });
                    status.set(Some((true, "Saved.".into())));
                }
                Err(failure) => status.set(Some((false, failure.message))),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = session;
    };
    view! {
        <form class="profile-form" aria-label="Profile" on:submit=on_submit>
            <label for="display-name">"Display name"</label>
            <input id="display-name" type="text" maxlength="50" bind:value=name/>
            <label for="bio">"Bio"</label>
            <textarea id="bio" rows="3" maxlength="300" bind:value=bio></textarea>
            <button type="submit">"Save"</button>
            {move || status.get().map(|(ok, message)| {
                let role = if ok { "status" } else { "alert" };
                view! { <p class:error=!ok role=role>{message}</p> }
            })}
        </form>
    }
}

#[component]
fn People(
    title: &'static str,
    undo: &'static str,
    people: Result<People, String>,
) -> impl IntoView {
    let list = RwSignal::new(
        people
            .as_ref()
            .map(|page| page.items.clone())
            .unwrap_or_default(),
    );
    let error = RwSignal::new(people.err());
    view! {
        <section class="people" aria-label=title>
            <h3>{title}</h3>
            <Show when=move || list.with(Vec::is_empty)>
                <p class="empty">"Nobody."</p>
            </Show>
            <ul>
                <For each=move || list.get() key=|user| user.handle.clone() let:user>
                    {
                        let handle = user.handle.clone();
                        let href = format!("/u/{handle}");
                        let on_click = move |_| {
                            let handle = handle.clone();
                            let before = list.get_untracked();
                            list.update(|list| list.retain(|u| u.handle != handle));
                            #[cfg(feature = "hydrate")]
                            leptos::task::spawn_local(async move {
                                let payload = serde_json::json!({ "handle": handle });
                                if let Err(failure) = crate::client::command(undo, payload).await {
                                    list.set(before);
                                    error.set(Some(failure.message));
                                }
                            });
                            #[cfg(not(feature = "hydrate"))]
                            let _ = before;
                        };
                        view! {
                            <li>
                                <a href=href>{user.display_name.clone()}" @"{user.handle.clone()}</a>" "
                                <button type="button" on:click=on_click>{undo}" @"{user.handle.clone()}</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </section>
    }
}

#[component]
fn YourData() -> impl IntoView {
    // `download`: the router leaves the link to the browser, which saves the file.
    view! {
        <section class="your-data" aria-label="Your data">
            <h3>"Your data"</h3>
            <p>"Everything you did here, with your personal data, as one JSON event a line."</p>
            <a href="/api/me/data" download data-testid="download-data">"Download your data"</a>
        </section>
    }
}

/// Erasing oneself destroys the key of one's personal data, so there is no way back: the person
/// types their handle first, and the button waits for it.
#[component]
fn EraseAccount(handle: String) -> impl IntoView {
    let session = Session::get();
    #[cfg(feature = "hydrate")]
    let navigate = leptos_router::hooks::use_navigate();
    let handle = StoredValue::new(handle);
    let typed = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let confirmed = move || handle.with_value(|handle| typed.with(|typed| typed == handle));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let ready = handle.with_value(|handle| typed.with_untracked(|typed| typed == handle));
        if !ready || busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                let payload = serde_json::json!({ "handle": handle.get_value() });
                match crate::client::command("EraseUser", payload).await {
                    Ok(_) => {
                        // The server has ended the person's session: the header must not go on
                        // showing them signed in while the public page loads.
                        session.0.set(None);
                        navigate("/", Default::default());
                    }
                    Err(failure) => {
                        busy.set(false);
                        error.set(Some(failure.message));
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = session;
    };
    view! {
        <form class="erase-account" aria-label="Erase my account" on:submit=on_submit>
            <h3>"Erase my account"</h3>
            <p>"Your posts, profile and memos become unreadable everywhere, and this cannot be undone."</p>
            <label for="erase-confirm">{format!("Type your handle, {}, to confirm", handle.get_value())}</label>
            <input id="erase-confirm" type="text" autocomplete="off" data-testid="erase-confirm" bind:value=typed/>
            <button type="submit" class="danger" data-testid="erase-account"
                disabled=move || !confirmed() || busy.get()>
                "Erase my account"
            </button>
            {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </form>
    }
}
