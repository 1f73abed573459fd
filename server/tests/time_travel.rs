//! Time travel: an aggregate at a stream version, and a read model at a global position.

mod common;

use common::{assert_error, spawn, ADMIN};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_aggregate_is_shown_as_it_was_at_any_version() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    for bio in ["first", "second", "third"] {
        ann.command("UpdateProfile", json!({ "bio": bio })).await;
    }
    let (status, at_two) = admin.get("/api/admin/streams/user-ann?version=2").await;
    assert_eq!(status, StatusCode::OK, "{at_two}");
    assert_eq!(at_two["version"], 2);
    assert_eq!(at_two["latest"], 4);
    assert_eq!(at_two["state"]["registered"]["bio"], "first");
    assert_eq!(at_two["events"].as_array().unwrap().len(), 2);
    let (_, now) = admin.get("/api/admin/streams/user-ann").await;
    assert_eq!(now["state"]["registered"]["bio"], "third");

    let (status, body) = admin.get("/api/admin/streams/user-ann?version=9").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = admin.get("/api/admin/streams/user-nobody").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = ann.get("/api/admin/streams/user-ann").await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn a_read_model_is_rebuilt_aside_as_of_a_past_position() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let then = admin.create_post("then").await["position"]
        .as_u64()
        .unwrap();
    let now = admin.create_post("now").await["position"].as_u64().unwrap();
    let texts = |page: &serde_json::Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let (status, past) = admin.get(&format!("/api/timeline/public?at={then}")).await;
    assert_eq!(status, StatusCode::OK, "{past}");
    assert_eq!(texts(&past), ["then"]);
    assert_eq!(past["position"], then);
    let (_, present) = admin
        .get(&format!("/api/timeline/public?min_position={now}"))
        .await;
    assert_eq!(texts(&present), ["now", "then"]);
    let (status, body) = app
        .client()
        .get(&format!("/api/timeline/public?at={then}"))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
}
