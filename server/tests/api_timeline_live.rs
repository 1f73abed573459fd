//! The public timeline: read-your-writes, paging, and the live push over `/ws`.

mod common;

use common::live::{connect, next_frame, send};
use common::{assert_error, spawn};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn min_position_reads_your_own_write() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let answer = ann.create_post("read me").await;
    let position = answer["position"].as_u64().unwrap();
    let (status, page) = ann
        .get(&format!("/api/timeline/public?min_position={position}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["stale"], false);
    assert!(page["position"].as_u64().unwrap() >= position);
    assert_eq!(page["items"][0]["text"], "read me");
    assert_eq!(
        page["items"][0]["author"],
        json!({ "handle": "ann", "display_name": "ANN" })
    );
}

#[tokio::test]
async fn an_unreached_position_answers_stale_when_the_wait_runs_out() {
    let app = spawn().await;
    let (status, page) = app
        .client()
        .get("/api/timeline/public?min_position=999&wait_ms=100")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["stale"], true);
}

#[tokio::test]
async fn pages_are_keyset_pages_newest_first() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let mut last = 0;
    for n in 0..5 {
        last = ann.create_post(&format!("post {n}")).await["position"]
            .as_u64()
            .unwrap();
    }
    let (_, first) = ann
        .get(&format!("/api/timeline/public?limit=2&min_position={last}"))
        .await;
    let texts = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(&first), [json!("post 4"), json!("post 3")]);
    let (_, second) = ann
        .get(&format!(
            "/api/timeline/public?limit=2&cursor={}",
            first["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(texts(&second), [json!("post 2"), json!("post 1")]);
    let (_, third) = ann
        .get(&format!(
            "/api/timeline/public?limit=2&cursor={}",
            second["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(texts(&third), [json!("post 0")]);
    assert_eq!(third["next"], Value::Null);
}

#[tokio::test]
async fn bad_query_parameters_are_invalid() {
    let app = spawn().await;
    let client = app.client();
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "cursor=abc",
        "min_position=-1",
    ] {
        let (status, body) = client.get(&format!("/api/timeline/public?{query}")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    }
}

#[tokio::test]
async fn a_subscriber_of_public_receives_each_new_post() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let mut socket = connect(&app).await;
    send(&mut socket, json!({ "op": "subscribe", "topic": "public" })).await;
    let subscribed = next_frame(&mut socket).await;
    assert_eq!(subscribed["op"], "subscribed");
    assert_eq!(subscribed["topic"], "public");

    let answer = ann.create_post("live!").await;
    let change = next_frame(&mut socket).await;
    assert_eq!(change["op"], "change");
    assert_eq!(change["topic"], "public");
    assert_eq!(change["kind"], "upsert");
    assert_eq!(change["position"], answer["position"]);
    assert_eq!(change["data"]["id"], answer["id"]);
    assert_eq!(change["data"]["text"], "live!");
    assert_eq!(change["data"]["author"]["display_name"], "ANN");

    send(&mut socket, json!({ "op": "ping" })).await;
    assert_eq!(next_frame(&mut socket).await, json!({ "op": "pong" }));
}

#[tokio::test]
async fn a_resuming_subscriber_misses_nothing() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let first = ann.create_post("before").await["position"]
        .as_u64()
        .unwrap();
    let second = ann.create_post("while away").await["position"]
        .as_u64()
        .unwrap();
    ann.get(&format!("/api/timeline/public?min_position={second}"))
        .await;
    let mut socket = connect(&app).await;
    send(
        &mut socket,
        json!({ "op": "subscribe", "topic": "public", "after": first }),
    )
    .await;
    assert_eq!(next_frame(&mut socket).await["op"], "subscribed");
    let replayed = next_frame(&mut socket).await;
    assert_eq!(replayed["position"], second);
    assert_eq!(replayed["data"]["text"], "while away");
}

#[tokio::test]
async fn private_and_admin_topics_are_refused_to_those_who_may_not_read_them() {
    let app = spawn().await;
    let mut socket = connect(&app).await;
    for topic in ["home", "notifications", "admin:events", "admin:projections"] {
        send(&mut socket, json!({ "op": "subscribe", "topic": topic })).await;
        let refused = next_frame(&mut socket).await;
        assert_eq!(refused["op"], "error", "{topic}");
        assert_eq!(refused["topic"], topic);
        assert_eq!(refused["code"], "forbidden");
    }
    send(
        &mut socket,
        json!({ "op": "subscribe", "topic": "nonsense" }),
    )
    .await;
    assert_eq!(next_frame(&mut socket).await["op"], "error");
    send(&mut socket, json!({ "op": "dance" })).await;
    assert_eq!(next_frame(&mut socket).await["code"], "unknown_op");
}
