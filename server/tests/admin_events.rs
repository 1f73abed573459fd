//! The admin's event browser and the NDJSON feed: keyset pages, each filter, page boundaries.

mod common;

use common::{assert_error, spawn, ADMIN};
use reqwest::StatusCode;
use serde_json::Value;

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
