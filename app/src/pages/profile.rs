//! `/u/:handle`: a person's profile (name, bio, counts), what one can do about them (follow, mute,
//! block — each shown at once and undone with the reason if refused), and their posts, live.

use crate::components::live_posts::LivePosts;
use crate::components::session::Session;
use crate::components::site_header::{page_frame, SiteHeader};
use crate::data::{load, load_me};
use crate::wire::{Me, Page, Post, Profile};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let params = use_params_map();
    let handle = move || params.read().get("handle").unwrap_or_default();
    let me = Resource::new(|| (), |_| load_me());
    let profile = Resource::new(handle, |h| load::<Profile>(format!("/api/users/{h}")));
    let posts = Resource::new(handle, |h| {
        load::<Page<Post>>(format!("/api/users/{h}/posts"))
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, profile, posts) = (me.await, profile.await, posts.await);
                view! { <ProfileView me profile posts/> }
            })}
        </Suspense>
    }
}

#[component]
fn ProfileView(
    me: Option<Me>,
    profile: Result<Profile, String>,
    posts: Result<Page<Post>, String>,
) -> impl IntoView {
    let (session, connection, unread) = page_frame(me);
    let content = match (profile, posts) {
        (Ok(profile), Ok(posts)) => {
            let handle = profile.handle.clone();
            let own = session.handle().as_deref() == Some(handle.as_str());
            view! {
                <ProfileHeader profile own/>
                <section class="timeline" aria-label="Posts">
                    <h3>"Posts"</h3>
                    <LivePosts page=posts topic=format!("user:{handle}")
                        source=format!("/api/users/{handle}/posts") empty="No posts yet."/>
                </section>
            }
            .into_any()
        }
        // An erased person's handle answers not_found with this message; the page says so
        // plainly rather than as a failure (`load` hands on the message only, not the code).
        (Err(error), _) if error.ends_with(" was erased") => {
            view! { <p class="erased-profile" data-testid="erased-profile">"This account was erased."</p> }
                .into_any()
        }
        (Err(error), _) | (_, Err(error)) => {
            view! { <p class="error" role="alert">{error}</p> }.into_any()
        }
    };
    view! {
        <SiteHeader connection unread/>
        <main class="profile">{content}</main>
    }
}

#[component]
fn ProfileHeader(profile: Profile, own: bool) -> impl IntoView {
    let session = Session::get();
    let state = RwSignal::new(profile.clone());
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(None::<Toggle>);
    let signed_in = move || session.0.with(Option::is_some);
    let handle = profile.handle.clone();
    let busy = move |which: Toggle| (sending.get() == Some(which)).then_some("true");
    let flip = move |which: Toggle| toggle(state, error, sending, which);
    view! {
        <section class="profile-header" aria-label="Profile">
            <h2>{profile.display_name.clone()}</h2>
            <p class="handle">"@"{handle.clone()}
                <Show when=move || state.with(|p| p.follows_you)>" "<span class="follows-you">"follows you"</span></Show>
            </p>
            <p class="bio">{profile.bio.clone()}</p>
            <p class="counts">
                <span><strong>{move || state.with(|p| p.posts)}</strong>" posts"</span>" · "
                <span><strong>{move || state.with(|p| p.followers)}</strong>" followers"</span>" · "
                <span><strong>{move || state.with(|p| p.following)}</strong>" following"</span>
            </p>
            <Show when=move || signed_in() && !own>
                <div class="profile-actions">
                    <button type="button" class="follow"
                        class:pending=move || busy(Toggle::Follow).is_some()
                        aria-busy=move || busy(Toggle::Follow)
                        aria-pressed=move || state.with(|p| p.you_follow.to_string())
                        on:click=move |_| flip(Toggle::Follow)>
                        {move || if state.with(|p| p.you_follow) { "Unfollow" } else { "Follow" }}
                    </button>
                    <button type="button" class="mute"
                        class:pending=move || busy(Toggle::Mute).is_some()
                        aria-busy=move || busy(Toggle::Mute)
                        aria-pressed=move || state.with(|p| p.muted.to_string())
                        on:click=move |_| flip(Toggle::Mute)>
                        {move || if state.with(|p| p.muted) { "Unmute" } else { "Mute" }}
                    </button>
                    <button type="button" class="block"
                        class:pending=move || busy(Toggle::Block).is_some()
                        aria-busy=move || busy(Toggle::Block)
                        aria-pressed=move || state.with(|p| p.blocked.to_string())
                        on:click=move |_| flip(Toggle::Block)>
                        {move || if state.with(|p| p.blocked) { "Unblock" } else { "Block" }}
                    </button>
                    <Show when=move || sending.with(Option::is_some)>
                        <span class="sending">"sending…"</span>
                    </Show>
                </div>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get()}</p>
            </Show>
        </section>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Toggle {
    Follow,
    Mute,
    Block,
}

/// Flips one of the viewer's switches about this person at once, marked as sending until the
/// command answers; a refusal puts the profile back as it was and says why. One at a time.
fn toggle(
    state: RwSignal<Profile>,
    error: RwSignal<Option<String>>,
    sending: RwSignal<Option<Toggle>>,
    which: Toggle,
) {
    if sending.get_untracked().is_some() {
        return;
    }
    let before = state.get_untracked();
    let (command, after) = {
        let mut after = before.clone();
        let command = match which {
            Toggle::Follow => {
                after.you_follow = !before.you_follow;
                after.followers = if after.you_follow {
                    before.followers + 1
                } else {
                    before.followers.saturating_sub(1)
                };
                if after.you_follow {
                    "Follow"
                } else {
                    "Unfollow"
                }
            }
            Toggle::Mute => {
                after.muted = !before.muted;
                if after.muted {
                    "Mute"
                } else {
                    "Unmute"
                }
            }
            Toggle::Block => {
                after.blocked = !before.blocked;
                if after.blocked {
                    after.you_follow = false;
                    after.follows_you = false;
                    "Block"
                } else {
                    "Unblock"
                }
            }
        };
        (command, after)
    };
    state.set(after);
    error.set(None);
    sending.set(Some(which));
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let payload = serde_json::json!({ "handle": before.handle });
        if let Err(failure) = crate::client::command(command, payload).await {
            state.set(before);
            error.set(Some(failure.message));
        }
        sending.set(None);
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = command;
}
