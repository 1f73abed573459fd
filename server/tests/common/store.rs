//! The store on its own (no app), for the store's tests: a fresh one, appends, the log's checks.

use agora::db::{self, Db};
use agora::store::{Append, ExpectedVersion, Metadata, NewEvent, Store};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A fresh store on `mem://`.
pub async fn open() -> (Db, Store) {
    let db = db::connect("mem://").await.unwrap();
    let store = open_store(&db).await;
    (db, store)
}

/// A store with every context's upcasters, as the app opens it.
pub async fn open_store(db: &Db) -> Store {
    agora::ops::open_on(db.clone(), &agora::contexts::registry())
        .await
        .unwrap()
}

pub fn append(stream: &str, expected: ExpectedVersion, count: usize) -> Append {
    let command_id = Uuid::now_v7();
    Append {
        stream: stream.to_owned(),
        expected,
        events: (0..count)
            .map(|n| NewEvent {
                event_id: Uuid::now_v7(),
                event_type: "ProfileUpdated".into(),
                schema: 1,
                data: json!({ "handle": stream, "bio": format!("bio {n}") }),
            })
            .collect(),
        metadata: Metadata {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor: Some("test".into()),
        },
        after_queued: false,
    }
}

/// Checks the log: positions 1..=n in order, each stream's versions 1..=k in order.
pub async fn assert_contiguous(store: &Store) -> usize {
    let events = store.read_all(0, 100_000).await.unwrap();
    for (index, event) in events.iter().enumerate() {
        assert_eq!(
            event.position,
            index as u64 + 1,
            "positions have a gap or a repeat"
        );
    }
    let mut versions: BTreeMap<&str, u64> = BTreeMap::new();
    for event in &events {
        let last = versions.entry(event.stream.as_str()).or_default();
        assert_eq!(
            event.version,
            *last + 1,
            "{} skipped a version",
            event.stream
        );
        *last = event.version;
    }
    events.len()
}
