//! A new projector version found at start, whose queries can still read the old version's tables:
//! the old generation keeps serving while the new one is built beside it, then takes over.

use agora::aggregate::Actor;
use agora::commands::{CommandBus, Origin};
use agora::live::Hub;
use agora::projections::{Generation, Output, Projections, Projector, Scope};
use agora::social::read_models::timeline::{self, TIMELINE};
use agora::store::Store;
use app::wire::Envelope;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The timeline as its next release would ship it: the same tables and code, a new version that
/// declares the current version's tables readable.
struct NextTimeline;

impl Projector for NextTimeline {
    fn name(&self) -> &'static str {
        TIMELINE.name()
    }
    fn version(&self) -> u32 {
        TIMELINE.version() + 1
    }
    fn serves_from(&self) -> u32 {
        TIMELINE.version()
    }
    fn schema(&self) -> &'static str {
        TIMELINE.schema()
    }
    fn tables(&self) -> &'static [&'static str] {
        TIMELINE.tables()
    }
    fn apply<'a>(
        &'a self,
        scope: Scope<'a>,
        events: &'a [Envelope],
        out: &'a mut Output,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        TIMELINE.apply(scope, events, out)
    }
}

async fn post(bus: &CommandBus, text: &str) {
    let origin = Origin::new(Uuid::now_v7(), Actor::user("ann"));
    let payload = serde_json::json!({ "text": text });
    bus.submit(origin, "CreatePost", &payload, None)
        .await
        .unwrap();
}

async fn public_texts(store: &Store, generation: Generation) -> Vec<String> {
    let nobody = std::collections::HashSet::new();
    let reader = timeline::queries::Reader {
        viewer: None,
        hidden: &nobody,
        cursor: None,
        limit: 50,
    };
    let page = timeline::public(store.db(), generation, &reader, 0)
        .await
        .unwrap();
    page.items.into_iter().map(|p| p.text).collect()
}

#[tokio::test]
async fn a_compatible_new_version_is_built_beside_the_serving_generation() {
    let db = agora::db::connect("mem://").await.unwrap();
    let registry = agora::contexts::registry();
    let store = agora::ops::open_on(db, &registry).await.unwrap();
    let bus = CommandBus::new(store.clone(), registry.command_handlers());
    let current = Projections::start(&store, Hub::without_sockets(0), vec![Arc::new(TIMELINE)])
        .await
        .unwrap();
    for n in 1..=3 {
        post(&bus, &format!("post {n}")).await;
    }
    let (reached, _) = current
        .wait_for(timeline::NAME, store.head(), Duration::from_secs(5))
        .await;
    assert!(reached);
    current.stop().await;

    let next = Projections::start(
        &store,
        Hub::without_sockets(0),
        vec![Arc::new(NextTimeline)],
    )
    .await
    .unwrap();
    // The old generation serves at once, with everything it had.
    assert_eq!(next.generation(timeline::NAME), Generation(1));
    assert_eq!(next.statuses(store.head())[0].status, "rebuilding");
    assert_eq!(
        public_texts(&store, Generation(1)).await,
        ["post 3", "post 2", "post 1"]
    );

    post(&bus, "post 4").await;
    let (reached, _) = next
        .wait_for(timeline::NAME, store.head(), Duration::from_secs(5))
        .await;
    assert!(reached, "the new generation never took over");
    assert_eq!(next.generation(timeline::NAME), Generation(2));
    assert_eq!(
        public_texts(&store, Generation(2)).await,
        ["post 4", "post 3", "post 2", "post 1"]
    );
    let status = &next.statuses(store.head())[0];
    assert_eq!(status.status, "live", "{status:?}");
    assert!(status.rebuild.as_ref().unwrap().finished);
    let checkpoint = agora::db::rows(
        store.db(),
        "SELECT version, generation FROM projection:timeline",
        serde_json::Value::Null,
    )
    .await
    .unwrap();
    assert_eq!(checkpoint[0]["version"], NextTimeline.version());
    assert_eq!(checkpoint[0]["generation"], 2);

    // Live again: a later post reaches the new generation through the runner.
    post(&bus, "post 5").await;
    let (reached, _) = next
        .wait_for(timeline::NAME, store.head(), Duration::from_secs(5))
        .await;
    assert!(reached);
    assert_eq!(public_texts(&store, Generation(2)).await[0], "post 5");
}
