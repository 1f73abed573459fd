//! The event tables' schema migrates in place at start.

mod common;

use agora::db::{self, Db};
use agora::store::{ExpectedVersion, StoreError};
use common::store::{append, assert_contiguous, open, open_store};
use serde_json::{json, Value};

/// The indexes on the event table, by name.
async fn event_indexes(db: &Db) -> Vec<String> {
    let info = db::rows(db, "INFO FOR TABLE event", Value::Null)
        .await
        .unwrap();
    let mut names: Vec<String> = info[0]["indexes"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_database_of_schema_2_loses_the_filter_indexes_in_place_at_start() {
    let (db, store) = open().await;
    assert_eq!(
        event_indexes(&db).await,
        ["event_command", "event_stream_version"]
    );
    store
        .append(append("user-ann", ExpectedVersion::NoStream, 2))
        .await
        .unwrap();
    // The event table as schema version 2 left it: six more indexes, for the admin's filters.
    let version_2 = "
        DEFINE INDEX event_event_id ON event FIELDS event_id UNIQUE;
        DEFINE INDEX event_type ON event FIELDS type, position;
        DEFINE INDEX event_actor ON event FIELDS actor, position;
        DEFINE INDEX event_correlation ON event FIELDS correlation_id, position;
        DEFINE INDEX event_causation ON event FIELDS causation_id;
        DEFINE INDEX event_at ON event FIELDS at;
        UPSERT meta:schema SET version = 2;";
    db::run(&db, version_2, Value::Null).await.unwrap();
    assert_eq!(event_indexes(&db).await.len(), 8);
    drop(store);

    let store = open_store(&db).await;
    assert_eq!(
        event_indexes(&db).await,
        ["event_command", "event_stream_version"]
    );
    let version = db::rows(&db, "SELECT VALUE version FROM meta:schema", Value::Null)
        .await
        .unwrap();
    assert_eq!(version, [json!(3)]);
    // The log is whole, and appends go on with both guarantees.
    store
        .append(append("user-ann", ExpectedVersion::Exact(2), 1))
        .await
        .unwrap();
    let refused = store
        .append(append("user-ann", ExpectedVersion::NoStream, 1))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict { actual: 3, .. })),
        "{refused:?}"
    );
    assert_eq!(store.read_stream("user-ann", 0).await.unwrap().len(), 3);
    assert_eq!(assert_contiguous(&store).await, 3);
}
