//! How a bounded context plugs into the runtime. Each context (`crate::social`, …) has one
//! `register(&mut Registry)` that hands over its upcasters, personal fields, aggregates, command handlers, projectors,
//! policies, live topics and routes; `crate::contexts` calls them all, in one place. The runtime finds
//! everything through this registration and names no context itself.

use crate::aggregate::{Aggregate, DomainEvent};
use crate::commands::{CommandBus, CommandHandler};
use crate::live::topics::TopicRule;
use crate::people::People;
use crate::policies::Policy;
use crate::projections::Projector;
use crate::state::AppState;
use crate::store::{PersonalData, PersonalFields, Store, Upcaster, Upcasters};
use app::wire::Envelope;
use serde_json::Value;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// Folds a stream's envelopes into its aggregate's state, as JSON (the admin's time travel).
type Fold = Box<dyn Fn(&[Envelope]) -> Result<Value, String> + Send + Sync>;

#[derive(Default)]
pub struct Registry {
    contexts: Vec<&'static str>,
    upcasters: Vec<Upcaster>,
    personal_fields: Vec<PersonalFields>,
    /// Stream-name prefix (the part before the first `-`) → its aggregate's fold.
    aggregates: Vec<(&'static str, Fold)>,
    commands: Vec<Arc<dyn CommandHandler>>,
    projectors: Vec<Arc<dyn Projector>>,
    policies: Vec<Arc<dyn Policy>>,
    topics: Vec<TopicRule>,
    people: Option<Arc<dyn People>>,
    routes: Option<OpenApiRouter<AppState>>,
}

impl Registry {
    /// Opens the registration of one context, by name (shown at start and in the logs).
    pub fn context(&mut self, name: &'static str) -> &mut Self {
        self.contexts.push(name);
        self
    }

    pub fn upcaster(&mut self, upcaster: Upcaster) -> &mut Self {
        self.upcasters.push(upcaster);
        self
    }

    /// Which fields of the context's events are personal and whose: the store seals them with
    /// the person's key, so that erasing the person makes them unreadable everywhere.
    pub fn personal_fields(&mut self, personal: PersonalFields) -> &mut Self {
        self.personal_fields.push(personal);
        self
    }

    /// An aggregate whose streams are named `<prefix>-<id>`.
    pub fn aggregate<A: Aggregate>(&mut self, prefix: &'static str) -> &mut Self {
        let fold: Fold = Box::new(|envelopes| {
            let events = envelopes
                .iter()
                .map(|e| A::Event::from_parts(&e.event_type, &e.data))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            serde_json::to_value(A::replay(&events)).map_err(|e| e.to_string())
        });
        self.aggregates.push((prefix, fold));
        self
    }

    pub fn commands(&mut self, handler: Arc<dyn CommandHandler>) -> &mut Self {
        self.commands.push(handler);
        self
    }

    pub fn projector(&mut self, projector: Arc<dyn Projector>) -> &mut Self {
        self.projectors.push(projector);
        self
    }

    pub fn policy(&mut self, policy: Arc<dyn Policy>) -> &mut Self {
        self.policies.push(policy);
        self
    }

    pub fn topic(&mut self, rule: TopicRule) -> &mut Self {
        self.topics.push(rule);
        self
    }

    /// The context that knows who people are (sign-in, roles). One context registers it.
    pub fn people(&mut self, people: Arc<dyn People>) -> &mut Self {
        assert!(
            self.people.is_none(),
            "two contexts both say who people are"
        );
        self.people = Some(people);
        self
    }

    /// The context's routes, each with its OpenAPI description.
    pub fn routes(&mut self, routes: OpenApiRouter<AppState>) -> &mut Self {
        self.routes = Some(match self.routes.take() {
            Some(existing) => existing.merge(routes),
            None => routes,
        });
        self
    }

    pub fn context_names(&self) -> &[&'static str] {
        &self.contexts
    }

    pub fn upcasters(&self) -> Upcasters {
        Upcasters::new(self.upcasters.clone())
    }

    pub fn personal_data(&self) -> PersonalData {
        PersonalData::new(self.personal_fields.clone())
    }

    pub fn command_handlers(&self) -> Vec<Arc<dyn CommandHandler>> {
        self.commands.clone()
    }

    /// The command bus over `store` with every context's handlers and who people are.
    pub fn command_bus(&self, store: Store) -> CommandBus {
        CommandBus::new(store, self.command_handlers()).with_people(self.people_directory())
    }

    pub fn projectors(&self) -> Vec<Arc<dyn Projector>> {
        self.projectors.clone()
    }

    pub fn policies(&self) -> Vec<Arc<dyn Policy>> {
        self.policies.clone()
    }

    pub fn topics(&self) -> &[TopicRule] {
        &self.topics
    }

    pub fn people_directory(&self) -> Option<Arc<dyn People>> {
        self.people.clone()
    }

    pub fn context_routes(&self) -> OpenApiRouter<AppState> {
        self.routes.clone().unwrap_or_default()
    }

    /// The state of the aggregate behind `stream` after `events`; `None` for a stream no context
    /// registered.
    pub fn state_of_stream(
        &self,
        stream: &str,
        events: &[Envelope],
    ) -> Option<Result<Value, String>> {
        let prefix = stream.split_once('-')?.0;
        let (_, fold) = self.aggregates.iter().find(|(p, _)| *p == prefix)?;
        Some(fold(events))
    }
}
