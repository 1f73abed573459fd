//! The causation explorer: from any command or event, the tree command → events → the commands they
//! caused (policies) → their events, with times and actors.

use crate::components::admin::{fetch_into, AdminGate, Loaded};
use crate::wire::{Causation, CommandNode};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

#[component]
pub fn AdminCausationPage() -> impl IntoView {
    view! { <AdminGate><Explorer/></AdminGate> }
}

#[component]
fn Explorer() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let tree = RwSignal::new(Loaded::<Causation>::Loading);
    Effect::new(move |_| fetch_into(format!("/api/admin/causation/{}", id()), tree));
    view! {
        <section class="causation">
            <h2>"Causation chain"</h2>
            {move || match tree.get() {
                Loaded::Loading => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Loaded::Failed(error) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
                Loaded::Ready(causation) => view! {
                    <ol class="tree"><CommandView node=causation.root focus=causation.focus/></ol>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn CommandView(node: CommandNode, focus: Uuid) -> AnyView {
    let system = node
        .actor
        .as_deref()
        .is_some_and(|a| a.starts_with("system:"));
    let kind = if system { "policy command" } else { "command" };
    view! {
        <li class="command" class:focus=node.command_id == focus>
            <div class="node">
                <span class="kind">{kind}</span>
                " "<code>{node.command_id.to_string()}</code>
                " by "<strong>{node.actor.clone().unwrap_or_else(|| "—".into())}</strong>
                " at "<span class="muted">{node.at.clone()}</span>
            </div>
            <ol>
                {node.events.into_iter().map(|event| {
                    let is_focus = event.event.event_id == focus;
                    view! {
                        <li class="event" class:focus=is_focus>
                            <div class="node">
                                <span class="kind">"event"</span>" "
                                <strong class="type">{event.event.event_type.clone()}</strong>
                                " #"{event.event.position}" on "
                                <a href=format!("/admin/streams/{}?version={}", event.event.stream, event.event.version)>
                                    {format!("{} v{}", event.event.stream, event.event.version)}
                                </a>
                            </div>
                            <ol>
                                {event.caused.into_iter().map(|command| view! { <CommandView node=command focus/> }).collect_view()}
                            </ol>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </li>
    }
    .into_any()
}
