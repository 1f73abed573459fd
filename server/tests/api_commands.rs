//! `POST /api/commands`: answers, idempotency, expected versions, and every bad input writing nothing.

mod common;

use common::{assert_error, spawn};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn create_post_answers_its_position_and_events() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let post_id = Uuid::now_v7();
    let (status, body) = ann
        .command(
            "CreatePost",
            json!({ "post_id": post_id, "text": "hello #agora" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["position"], 2);
    assert_eq!(body["duplicate"], false);
    assert_eq!(body["id"], post_id.to_string());
    assert_eq!(
        body["events"],
        json!([{ "position": 2, "stream": format!("post-{post_id}"), "version": 1, "type": "PostCreated" }])
    );
    let stored = app.state.store.event(2).await.unwrap().unwrap();
    assert_eq!(stored.data["tags"], json!(["agora"]));
    assert_eq!(stored.metadata.actor.as_deref(), Some("ann"));
    assert_eq!(
        stored.metadata.command_id,
        body["command_id"].as_str().map(|id| id.parse().unwrap())
    );
}

#[tokio::test]
async fn the_same_command_id_answers_the_first_answer_and_appends_nothing() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let command_id = Uuid::now_v7();
    let (_, first) = ann
        .command_with(command_id, "CreatePost", json!({ "text": "once" }), None)
        .await;
    let head = app.head();
    let (status, again) = ann
        .command_with(command_id, "CreatePost", json!({ "text": "once" }), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["position"], first["position"]);
    assert_eq!(again["events"], first["events"]);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.head(), head);
}

#[tokio::test]
async fn racing_duplicates_append_once() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let command_id = Uuid::now_v7();
    let sends =
        (0..8).map(|_| ann.command_with(command_id, "CreatePost", json!({ "text": "race" }), None));
    let answers = futures::future::join_all(sends).await;
    assert!(
        answers.iter().all(|(status, _)| *status == StatusCode::OK),
        "{answers:?}"
    );
    assert_eq!(
        answers
            .iter()
            .filter(|(_, body)| body["duplicate"] == false)
            .count(),
        1,
        "{answers:?}"
    );
    assert_eq!(app.head(), 2);
}

#[tokio::test]
async fn update_profile_checks_the_expected_version() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let update = |version| {
        ann.command_with(
            Uuid::now_v7(),
            "UpdateProfile",
            json!({ "bio": format!("v{version}") }),
            Some(version),
        )
    };
    let (status, body) = update(0).await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    let (status, body) = update(5).await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    assert_eq!(app.head(), 1);
    let (status, body) = update(1).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"][0]["version"], 2);
    let (status, body) = update(1).await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
}

#[tokio::test]
async fn a_command_that_changes_nothing_answers_the_head_and_no_events() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let (status, body) = ann
        .command("UpdateProfile", json!({ "display_name": "ANN" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"], json!([]));
    assert_eq!(body["position"], app.head());
}

#[tokio::test]
async fn bad_input_gets_the_contract_error_and_writes_nothing() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let head = app.head();
    let json_header = [("content-type", "application/json")];

    let (status, body) = ann
        .post_raw("/api/commands", "{not json", &json_header)
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");

    let (status, body) = ann.command("LaunchRocket", json!({})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");

    let (status, body) = ann
        .command("CreatePost", json!({ "text": "x".repeat(501) }))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");

    let (status, body) = ann.command("CreatePost", json!({ "text": "   " })).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");

    let (status, body) = ann.command("CreatePost", json!({ "text": 42 })).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");

    let (status, body) = app
        .client()
        .command("CreatePost", json!({ "text": "who am I" }))
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");

    let command = json!({ "command_id": Uuid::now_v7(), "type": "CreatePost", "payload": { "text": "csrf" } }).to_string();
    let cross_site = [
        ("content-type", "application/json"),
        ("origin", "https://evil.example"),
    ];
    let (status, body) = ann.post_raw("/api/commands", &command, &cross_site).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");

    let (status, body) = ann
        .command(
            "HidePost",
            json!({ "post_id": Uuid::now_v7(), "reason": "mine" }),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");

    assert_eq!(app.head(), head, "a refused request appended something");
}

#[tokio::test]
async fn a_same_origin_browser_write_is_accepted() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let origin = format!("http://{}", app.addr);
    let command = json!({ "command_id": Uuid::now_v7(), "type": "CreatePost", "payload": { "text": "mine" } }).to_string();
    let headers = [
        ("content-type", "application/json"),
        ("origin", origin.as_str()),
    ];
    let (status, body) = ann.post_raw("/api/commands", &command, &headers).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn metrics_count_commands_appends_and_projector_lag() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    ann.create_post("counted").await;
    ann.command("LaunchRocket", json!({})).await;
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "agora_commands_total{type=\"CreatePost\",outcome=\"ok\"}",
        "agora_commands_total{type=\"RegisterUser\",outcome=\"ok\"}",
        "agora_append_seconds_bucket{le=\"+Inf\"}",
        "agora_events_appended_total",
        "agora_projector_lag{projector=\"timeline\"}",
        "agora_sockets",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
}
