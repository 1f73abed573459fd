//! The event store's promises, tested on `mem://`: immutability, idempotency, contiguous positions
//! and versions under concurrent writers, catch-up → live without gap, several nodes, upcasting.

use agora::db;
use agora::store::{Append, Appended, ExpectedVersion, StoreError};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

mod common;

use common::store::{append, assert_contiguous, open, open_store};

#[tokio::test]
async fn the_database_refuses_every_change_to_an_event() {
    let (db, store) = open().await;
    store
        .append(append("user-ann", ExpectedVersion::NoStream, 1))
        .await
        .unwrap();
    let before = store.event(1).await.unwrap().unwrap();
    let attempts = [
        "UPDATE event:1 SET type = 'Tampered'",
        "UPDATE event:1 CONTENT { position: 1, event_id: 'x', stream: 'user-ann', version: 1, type: 'Tampered', schema: 1, data: { bio: 'evil' }, command_id: 'c', command_seq: 0, correlation_id: 'c', at: 'now' }",
        "UPSERT event:1 CONTENT { position: 1, event_id: 'x', stream: 'user-ann', version: 1, type: 'Tampered', schema: 1, data: { bio: 'evil' }, command_id: 'c', command_seq: 0, correlation_id: 'c', at: 'now' }",
        "UPDATE event:1 MERGE { data: { bio: 'evil' } }",
        "INSERT INTO event { id: 1, position: 1, event_id: 'y', stream: 'user-ann', version: 1, type: 'Tampered', schema: 1, data: {}, command_id: 'd', command_seq: 0, correlation_id: 'd', at: 'now' } ON DUPLICATE KEY UPDATE type = 'Tampered'",
        "DELETE event:1",
        "DELETE event",
    ];
    for sql in attempts {
        let refusal = db::run(&db, sql, Value::Null)
            .await
            .expect_err(sql)
            .to_string();
        // Refused by the schema's guards, not by a typo in the attempt.
        assert!(
            refusal.contains("immutable") || refusal.contains("readonly"),
            "{sql}: {refusal}"
        );
    }
    assert_eq!(store.event(1).await.unwrap().unwrap(), before);
    let count = db::rows(
        &db,
        "SELECT count() AS events FROM event GROUP ALL",
        Value::Null,
    )
    .await
    .unwrap();
    assert_eq!(count, vec![json!({ "events": 1 })]);
}

#[tokio::test]
async fn a_command_id_is_appended_once_even_when_retries_race() {
    let (_, store) = open().await;
    let first = append("user-ann", ExpectedVersion::Any, 2);
    let racers = (0..10).map(|_| store.append(first.clone()));
    let outcomes = futures::future::join_all(racers).await;
    let new = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Appended::New(_))))
        .count();
    let duplicates = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Appended::Duplicate(_))))
        .count();
    assert_eq!((new, duplicates), (1, 9), "{outcomes:?}");
    assert_eq!(store.head(), 2);
    let record = store
        .find_command(first.metadata.command_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.position, 2);
    assert_eq!(record.events.len(), 2);
}

/// Appends share transactions (group commit); one that the database refuses must fail alone.
#[tokio::test]
async fn an_append_the_database_refuses_fails_alone_in_its_group() {
    let (db, store) = open().await;
    db::run(
        &db,
        r#"DEFINE EVENT refuse ON event WHEN $event = "CREATE" AND $after.stream = "refused" THEN { THROW "refused by a rule" }"#,
        Value::Null,
    )
    .await
    .unwrap();
    let appends = (0..30).map(|n| {
        let stream = if n == 15 {
            "refused".to_owned()
        } else {
            format!("ok-{n}")
        };
        let store = store.clone();
        tokio::spawn(async move {
            store
                .append(append(&stream, ExpectedVersion::NoStream, 1))
                .await
        })
    });
    let outcomes = futures::future::join_all(appends).await;
    for (n, outcome) in outcomes.into_iter().enumerate() {
        match outcome.unwrap() {
            Ok(Appended::New(_)) => assert_ne!(n, 15),
            Err(StoreError::Database(error)) => {
                assert_eq!(n, 15);
                assert!(error.to_string().contains("refused by a rule"), "{error}");
            }
            other => panic!("append {n}: {other:?}"),
        }
    }
    assert_eq!(store.head(), 29);
    assert_eq!(assert_contiguous(&store).await, 29);
}

#[tokio::test]
async fn a_stale_or_future_expected_version_is_a_conflict_that_writes_nothing() {
    let (_, store) = open().await;
    store
        .append(append("s", ExpectedVersion::NoStream, 2))
        .await
        .unwrap();
    for expected in [
        ExpectedVersion::NoStream,
        ExpectedVersion::Exact(1),
        ExpectedVersion::Exact(3),
    ] {
        let outcome = store.append(append("s", expected, 1)).await;
        assert!(
            matches!(outcome, Err(StoreError::Conflict { actual: 2, .. })),
            "{expected:?}: {outcome:?}"
        );
    }
    assert_eq!(store.head(), 2);
    store
        .append(append("s", ExpectedVersion::Exact(2), 1))
        .await
        .unwrap();
    assert_eq!(store.read_stream("s", 0).await.unwrap().len(), 3);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// N concurrent writers with random expectations on a few streams: every acknowledged append is
    /// in the log, nothing else is, and conflicts happen only where a version was really taken.
    #[test]
    fn concurrent_writers_keep_positions_and_versions_contiguous(
        plan in prop::collection::vec((0usize..3, 0u64..4, 1usize..3), 1..40)
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let (_, store) = open().await;
            let appends: Vec<Append> = plan
                .iter()
                .map(|(stream, expected, count)| {
                    let expected = match expected {
                        0 => ExpectedVersion::Any,
                        1 => ExpectedVersion::NoStream,
                        n => ExpectedVersion::Exact(*n - 1),
                    };
                    append(&format!("stream-{stream}"), expected, *count)
                })
                .collect();
            let outcomes = futures::future::join_all(appends.iter().cloned().map(|a| {
                let store = store.clone();
                tokio::spawn(async move { store.append(a).await })
            }))
            .await;
            let mut acknowledged = HashSet::new();
            let mut expected_total = 0;
            for (append, outcome) in appends.iter().zip(outcomes) {
                match outcome.unwrap() {
                    Ok(Appended::New(record)) => {
                        assert_eq!(record.events.len(), append.events.len());
                        acknowledged.insert(append.metadata.command_id);
                        expected_total += append.events.len();
                    }
                    Err(StoreError::Conflict { actual, expected, .. }) => {
                        let collided = match expected {
                            ExpectedVersion::NoStream => actual > 0,
                            ExpectedVersion::Exact(v) => actual != v,
                            ExpectedVersion::Any => false,
                        };
                        assert!(collided, "a conflict where none was: {expected:?} vs {actual}");
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(assert_contiguous(&store).await, expected_total);
            for command_id in acknowledged {
                assert!(store.find_command(command_id).await.unwrap().is_some());
            }
        });
    }
}

#[tokio::test]
async fn a_subscription_switches_from_catch_up_to_live_without_gap_or_duplicate() {
    let (_, store) = open().await;
    for n in 0..30 {
        store
            .append(append(&format!("early-{n}"), ExpectedVersion::NoStream, 1))
            .await
            .unwrap();
    }
    let writer = store.clone();
    let appending = tokio::spawn(async move {
        let appends = (0..70)
            .map(|n| writer.append(append(&format!("late-{n}"), ExpectedVersion::NoStream, 1)));
        futures::future::join_all(appends).await
    });
    let mut subscription = store.subscribe(0);
    let mut seen = vec![];
    while seen.len() < 100 {
        let batch = tokio::time::timeout(Duration::from_secs(10), subscription.next_batch(7))
            .await
            .unwrap()
            .unwrap();
        seen.extend(batch.into_iter().map(|e| e.position));
    }
    appending.await.unwrap();
    assert_eq!(seen, (1..=100).collect::<Vec<u64>>());
}

#[tokio::test]
async fn two_nodes_on_one_database_share_one_log() {
    let db = db::connect("mem://").await.unwrap();
    let node_a = open_store(&db).await;
    let node_b = open_store(&db).await;
    let mut subscription = node_a.subscribe(0);
    let appends = (0..40).map(|n| {
        let node = if n % 2 == 0 {
            node_a.clone()
        } else {
            node_b.clone()
        };
        async move {
            node.append(append(&format!("s-{}", n % 5), ExpectedVersion::Any, 1))
                .await
        }
    });
    let outcomes = futures::future::join_all(appends).await;
    assert!(
        outcomes.iter().all(|o| matches!(o, Ok(Appended::New(_)))),
        "{outcomes:?}"
    );
    let mut seen = vec![];
    while seen.len() < 40 {
        let batch = tokio::time::timeout(Duration::from_secs(10), subscription.next_batch(100))
            .await
            .unwrap()
            .unwrap();
        seen.extend(batch.into_iter().map(|e| e.position));
    }
    assert_eq!(seen, (1..=40).collect::<Vec<u64>>());
    // The other node notices the appends it did not make.
    let mut head_b = node_b.watch_head();
    tokio::time::timeout(Duration::from_secs(5), head_b.wait_for(|head| *head >= 40))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(assert_contiguous(&node_b).await, 40);
}

#[tokio::test]
async fn an_append_decided_behind_a_queued_one_stands_only_on_that_ones_commit() {
    let db = db::connect("mem://").await.unwrap();
    let (node_a, node_b) = (open_store(&db).await, open_store(&db).await);
    let stream = "account-ann";
    node_a
        .append(append(stream, ExpectedVersion::NoStream, 1))
        .await
        .unwrap();
    // Node B writes version 2 while node A still remembers 1.
    node_b
        .append(append(stream, ExpectedVersion::Exact(1), 1))
        .await
        .unwrap();
    // A decides on its memory (version 1), and a second command on what the first will leave
    // (version 2): the first is refused, so the second, though version 2 is in the log (B's),
    // must not stand on it.
    let (first, second) = queue_behind(&node_a, stream, 1).await;
    assert!(matches!(
        first.committed().await,
        Err(StoreError::Conflict { .. })
    ));
    let second = second.committed().await;
    assert!(
        matches!(second, Err(StoreError::Conflict { .. })),
        "{second:?}"
    );
    assert_eq!(assert_contiguous(&node_a).await, 2);

    // Behind an append that is committed, it stands.
    let (first, second) = queue_behind(&node_a, stream, 2).await;
    assert!(matches!(first.committed().await, Ok(Appended::New(_))));
    assert!(matches!(second.committed().await, Ok(Appended::New(_))));
}

/// An append at `version`, and one queued behind it as the command bus's turns queue it.
async fn queue_behind(
    store: &agora::store::Store,
    stream: &str,
    version: u64,
) -> (agora::store::Queued, agora::store::Queued) {
    let first = store
        .queue(append(stream, ExpectedVersion::Exact(version), 1))
        .await
        .unwrap();
    let behind = Append {
        after_queued: true,
        ..append(stream, ExpectedVersion::Exact(version + 1), 1)
    };
    (first, store.queue(behind).await.unwrap())
}

#[tokio::test]
async fn an_old_schema_is_upcast_on_read() {
    let (db, store) = open().await;
    // A PostCreated stored by schema 1, before mentions and tags were recorded.
    let sql = "BEGIN;
        INSERT INTO event { id: 1, position: 1, event_id: $id, stream: 'post-old', version: 1, type: 'PostCreated',
            schema: 1, data: { post_id: $id, author: 'ann', text: 'old times @bob #History' },
            command_id: $id, command_seq: 0, correlation_id: $id, at: '2020-01-01T00:00:00.000000Z' };
        UPSERT meta:head SET position = 1;
        COMMIT;";
    db::run(&db, sql, json!({ "id": Uuid::now_v7().to_string() }))
        .await
        .unwrap();
    let events = store.read_stream("post-old", 0).await.unwrap();
    assert_eq!(events[0].schema, 2);
    assert_eq!(events[0].data["mentions"], json!(["bob"]));
    assert_eq!(events[0].data["tags"], json!(["history"]));
}

#[tokio::test]
async fn a_long_stream_loads_from_its_snapshot_and_the_tail() {
    use agora::aggregate::Actor;
    use agora::commands::{CommandBus, Origin};
    use agora::social::domain::user::{User, UserCommand};
    let (_, store) = open().await;
    let bus = CommandBus::new(
        store.clone(),
        agora::contexts::registry().command_handlers(),
    );
    let register = UserCommand::Register {
        user_id: Uuid::now_v7(),
        handle: "ann".into(),
        display_name: None,
    };
    let origin = Origin::new(Uuid::now_v7(), Actor::user("ann"));
    bus.submit_to::<User>("RegisterUser", "user-ann".into(), register, None, &origin)
        .await
        .unwrap();
    for n in 0..130 {
        let bio = json!({ "bio": format!("bio {n}") });
        let origin = Origin::new(Uuid::now_v7(), Actor::user("ann"));
        bus.submit(origin, "UpdateProfile", &bio, None)
            .await
            .unwrap();
    }
    // Loads past 100 events after the last snapshot took one; wait for it to be stored.
    let mut snapshot = None;
    for _ in 0..50 {
        snapshot = store
            .snapshot(
                "user-ann",
                <User as agora::aggregate::Aggregate>::STATE_SHAPE,
            )
            .await
            .unwrap();
        if snapshot.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let snapshot = snapshot.expect("a snapshot was taken");
    assert!(snapshot.version >= 100, "{}", snapshot.version);
    let (state, version) = bus.load::<User>("user-ann").await.unwrap();
    assert_eq!(version, 131);
    assert_eq!(state.registered.unwrap().bio, "bio 129");
}
