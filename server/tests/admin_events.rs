//! The admin's event browser and the NDJSON feed: keyset pages, each filter, page boundaries; the
//! event index behind the filters, caught up or behind.

mod common;

use app::wire::{Envelope, EnvelopeMetadata};
use common::{assert_error, spawn, Client, TestApp, ADMIN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

const INDEX: &str = agora::store::index::NAME;

fn positions(page: &Value) -> Vec<u64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_event_browser_pages_and_filters() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await; // 1 UserRegistered, 2 AdminGranted
    let ann = app.user("ann").await; // 3
    let first = ann.create_post("one").await; // 4
    ann.create_post("two").await; // 5
    let bob = app.user("bob").await; // 6
    bob.create_post("three").await; // 7

    let (status, page) = admin.get("/api/admin/events?limit=3").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(positions(&page), [7, 6, 5]);
    assert_eq!(page["head"], 7);
    let next = page["next"].as_str().unwrap().to_owned();
    let (_, page) = admin
        .get(&format!("/api/admin/events?limit=3&before={next}"))
        .await;
    assert_eq!(positions(&page), [4, 3, 2]);
    let (_, page) = admin
        .get(&format!(
            "/api/admin/events?limit=3&before={}",
            page["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(positions(&page), [1]);
    assert_eq!(page["next"], Value::Null);

    let (_, forward) = admin.get("/api/admin/events?after=5&limit=5").await;
    assert_eq!(positions(&forward), [6, 7]);

    let (_, by_type) = admin.get("/api/admin/events?type=PostCreated").await;
    assert_eq!(positions(&by_type), [7, 5, 4]);
    let (_, by_type_page) = admin
        .get("/api/admin/events?type=PostCreated&limit=2")
        .await;
    assert_eq!(positions(&by_type_page), [7, 5]);
    let (_, rest) = admin
        .get(&format!(
            "/api/admin/events?type=PostCreated&limit=2&before={}",
            by_type_page["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(positions(&rest), [4]);

    let (_, by_actor) = admin.get("/api/admin/events?actor=ann").await;
    assert_eq!(positions(&by_actor), [5, 4, 3]);
    let stream = first["events"][0]["stream"].as_str().unwrap();
    let (_, by_stream) = admin
        .get(&format!("/api/admin/events?stream={stream}"))
        .await;
    assert_eq!(positions(&by_stream), [4]);
    let (_, by_correlation) = admin
        .get(&format!(
            "/api/admin/events?correlation={}",
            first["command_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(positions(&by_correlation), [4]);
    let at = by_stream["items"][0]["metadata"]["at"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, by_time) = admin
        .get(&format!("/api/admin/events?from={at}&to={at}"))
        .await;
    assert_eq!(positions(&by_time), [4]);

    let (status, one) = admin.get("/api/admin/events/4").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["type"], "PostCreated");
    assert_eq!(one["metadata"]["actor"], "ann");
    let (status, body) = admin.get("/api/admin/events/99").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = admin.get("/api/admin/events?limit=0").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
}

#[tokio::test]
async fn the_ndjson_feed_streams_envelopes_in_order() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    admin.create_post("a").await;
    admin.create_post("b").await;
    let response = admin
        .http
        .get(format!("{}/api/events?after=1&limit=2", admin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let body = response.text().await.unwrap();
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines
            .iter()
            .map(|e| e["position"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [2, 3]
    );
    for key in [
        "event_id", "stream", "version", "type", "schema", "data", "metadata",
    ] {
        assert!(lines[0].get(key).is_some(), "missing {key}");
    }
}

/// The positions of the log's events that pass `keep`, newest first: what a filter must answer.
fn expected(log: &[Envelope], keep: impl Fn(&Envelope) -> bool) -> Vec<u64> {
    log.iter()
        .rev()
        .filter(|e| keep(e))
        .map(|e| e.position)
        .collect()
}

/// Waits until the log holds an event of `event_type` (one a policy appends after its cause).
async fn appended(app: &TestApp, event_type: &str) -> Envelope {
    for _ in 0..100 {
        let log = app.state.store.read_all(0, 1000).await.unwrap();
        if let Some(event) = log.into_iter().find(|e| e.event_type == event_type) {
            return event;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {event_type} appeared");
}

/// Every page of a filter, one event a page, following `next` (newest first, or oldest first from
/// `after=0`).
async fn every_page(admin: &Client, filter: &str, oldest_first: bool) -> Vec<u64> {
    let (mut seen, mut cursor) = (vec![], None::<String>);
    for _ in 0..100 {
        let bound = match (&cursor, oldest_first) {
            (Some(next), true) => format!("&after={next}"),
            (Some(next), false) => format!("&before={next}"),
            (None, true) => "&after=0".to_owned(),
            (None, false) => String::new(),
        };
        let (status, page) = admin
            .get(&format!("/api/admin/events?{filter}&limit=1{bound}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{filter}: {page}");
        seen.extend(positions(&page));
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
    panic!("{filter}: the pages never ended");
}

/// The answer of one filter, with its position and staleness.
async fn filtered(admin: &Client, filter: &str) -> (Vec<u64>, Value, Value) {
    let (status, page) = admin.get(&format!("/api/admin/events?{filter}")).await;
    assert_eq!(status, StatusCode::OK, "{filter}: {page}");
    (
        positions(&page),
        page["position"].clone(),
        page["stale"].clone(),
    )
}

#[tokio::test]
async fn every_filter_answers_from_the_event_index_once_it_has_caught_up() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let first = ann.create_post("one").await;
    bob.create_post("two").await;
    bob.act("Follow", json!({ "handle": "ann" })).await;
    ann.create_post("three").await;
    ann.act("Block", json!({ "handle": "bob" })).await;
    // The blocking policy ends bob's follow: an event caused by the block, in its correlation.
    let unfollowed = appended(&app, "UserUnfollowed").await;
    let head = app.head();
    let (status, page) = admin
        .get(&format!(
            "/api/admin/events?type=PostCreated&min_position={head}&wait_ms=5000"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["stale"], false, "{page}");
    assert!(app.state.projections.position(INDEX) >= head);

    let log = app.state.store.read_all(0, 1000).await.unwrap();
    let blocked = log
        .iter()
        .find(|e| e.event_type == "UserBlocked")
        .unwrap()
        .clone();
    assert_eq!(unfollowed.metadata.causation_id, Some(blocked.event_id));
    let post = log[first["position"].as_u64().unwrap() as usize - 1].clone();
    let at = post.metadata.at.clone();
    let (from, to) = (log[2].metadata.at.clone(), log[5].metadata.at.clone());
    let is_ann = |e: &Envelope| e.metadata.actor.as_deref() == Some("ann");
    let cases = [
        (
            "type=PostCreated".to_owned(),
            expected(&log, |e| e.event_type == "PostCreated"),
        ),
        ("actor=ann".to_owned(), expected(&log, is_ann)),
        (
            format!("correlation={}", blocked.metadata.correlation_id.unwrap()),
            expected(&log, |e| {
                e.metadata.correlation_id == blocked.metadata.correlation_id
            }),
        ),
        (
            format!("causation={}", blocked.event_id),
            vec![unfollowed.position],
        ),
        (
            format!("command={}", post.metadata.command_id.unwrap()),
            vec![post.position],
        ),
        (format!("event_id={}", post.event_id), vec![post.position]),
        (
            format!("from={at}&to={at}"),
            expected(&log, |e| e.metadata.at == at),
        ),
        (
            format!("from={from}&to={to}"),
            expected(&log, |e| e.metadata.at >= from && e.metadata.at <= to),
        ),
        (format!("stream={}", post.stream), vec![post.position]),
        (
            "actor=ann&type=PostCreated".to_owned(),
            expected(&log, |e| is_ann(e) && e.event_type == "PostCreated"),
        ),
    ];
    for (filter, want) in &cases {
        assert!(!want.is_empty(), "{filter}");
        let (got, position, stale) = filtered(&admin, filter).await;
        assert_eq!(&got, want, "{filter}");
        assert_eq!(position, head, "{filter}");
        assert_eq!(stale, false, "{filter}");
    }
    assert_eq!(cases[3].1.len(), 1);
    assert!(cases[2].1.len() >= 2, "the block and what it caused");

    // Keyset pages over the index, both ways.
    let anns = expected(&log, is_ann);
    assert_eq!(every_page(&admin, "actor=ann", false).await, anns);
    let oldest_first: Vec<u64> = anns.iter().rev().copied().collect();
    assert_eq!(every_page(&admin, "actor=ann", true).await, oldest_first);
    let (_, page) = admin
        .get(&format!("/api/admin/events?event_id={}", Uuid::now_v7()))
        .await;
    assert_eq!(positions(&page), Vec::<u64>::new());
}

/// An app whose admin and ann exist, ann's posts indexed, and then every projector stopped: what
/// comes after is only in the log. Answers the index's position.
async fn index_stopped(posts: &[&str]) -> (common::TestApp, common::Client, common::Client, u64) {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    for text in posts {
        ann.create_post(text).await;
    }
    let (caught_up, indexed) = app
        .state
        .projections
        .wait_for(INDEX, app.head(), Duration::from_secs(5))
        .await;
    assert!(caught_up);
    app.state.projections.stop().await;
    (app, admin, ann, indexed)
}

#[tokio::test]
async fn an_answer_while_the_event_index_is_behind_reads_the_short_tail() {
    let (app, admin, ann, indexed) = index_stopped(&["indexed", "indexed too"]).await;
    // The log goes on without the index.
    let later = ann.create_post("not indexed").await;
    ann.create_post("nor this").await;
    let head = app.head();
    assert_eq!(app.state.projections.position(INDEX), indexed);
    assert!(indexed < head);

    let log = app.state.store.read_all(0, 1000).await.unwrap();
    let later = log[later["position"].as_u64().unwrap() as usize - 1].clone();
    let at = later.metadata.at.clone();
    let cases = [
        (
            "type=PostCreated".to_owned(),
            expected(&log, |e| e.event_type == "PostCreated"),
        ),
        (
            "actor=ann".to_owned(),
            expected(&log, |e| e.metadata.actor.as_deref() == Some("ann")),
        ),
        (format!("event_id={}", later.event_id), vec![later.position]),
        (
            format!("correlation={}", later.metadata.correlation_id.unwrap()),
            vec![later.position],
        ),
        (
            format!("from={at}&to={at}"),
            expected(&log, |e| e.metadata.at == at),
        ),
    ];
    for (filter, want) in &cases {
        let (got, position, stale) = filtered(&admin, filter).await;
        assert_eq!(&got, want, "{filter}");
        assert_eq!(position, head, "{filter}: complete up to the head");
        assert_eq!(stale, false, "{filter}");
    }
    assert_eq!(
        cases[0].1.len(),
        4,
        "two posts indexed, two only in the log"
    );
    // Pages cross from the log's tail into the index and back.
    let anns = cases[1].1.clone();
    assert_eq!(every_page(&admin, "actor=ann", false).await, anns);
    let oldest_first: Vec<u64> = anns.iter().rev().copied().collect();
    assert_eq!(every_page(&admin, "actor=ann", true).await, oldest_first);
}

#[tokio::test]
async fn a_tail_too_long_to_read_answers_stale_at_the_index_position() {
    let (app, admin, _ann, indexed) = index_stopped(&["indexed"]).await;
    // More of the log than a query reads past the index, imported while the index is stopped.
    let at = "2026-01-01T00:00:00.000000Z";
    let tail: Vec<Envelope> = (1..=agora::store::MAX_TAIL + 1)
        .map(|n| {
            let id = Uuid::now_v7();
            Envelope {
                position: indexed + n,
                event_id: id,
                stream: "note-imported".into(),
                version: n,
                event_type: "NoteImported".into(),
                schema: 1,
                data: json!({}),
                metadata: EnvelopeMetadata {
                    command_id: Some(id),
                    correlation_id: Some(id),
                    at: at.into(),
                    ..EnvelopeMetadata::default()
                },
            }
        })
        .collect();
    app.state.store.import(&tail).await.unwrap();
    let head = app.head();
    assert_eq!(head, indexed + agora::store::MAX_TAIL + 1);

    let log = app.state.store.read_all(0, 1000).await.unwrap();
    let indexed_posts = expected(&log, |e| e.event_type == "PostCreated");
    let (got, position, stale) = filtered(&admin, "type=PostCreated").await;
    assert_eq!(got, indexed_posts, "what the index holds is still answered");
    assert_eq!((position, stale), (json!(indexed), json!(true)));
    let (got, position, stale) = filtered(&admin, "type=NoteImported").await;
    assert_eq!(got, Vec::<u64>::new());
    assert_eq!((position, stale), (json!(indexed), json!(true)));
    // Below the index's position the answer is whole, and the event table's own indexes always are.
    let (_, position, stale) =
        filtered(&admin, &format!("type=PostCreated&before={indexed}")).await;
    assert_eq!((position, stale), (json!(head), json!(false)));
    let (got, position, stale) = filtered(&admin, "stream=note-imported&limit=2").await;
    assert_eq!(got, [head, head - 1]);
    assert_eq!((position, stale), (json!(head), json!(false)));
}
