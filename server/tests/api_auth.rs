//! Sign-up, sign-in, sign-out and `/api/me`, and every way they refuse.

mod common;

use common::{assert_error, spawn, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn sign_up_opens_a_session_and_me_answers() {
    let app = spawn().await;
    let client = app.client();
    let (status, body) = client.signup("ann").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["handle"], "ann");
    assert_eq!(body["user"]["display_name"], "ANN");
    assert_eq!(body["position"], 1);
    let (status, me) = client.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["handle"], "ann");
    assert_eq!(me["is_admin"], false);
}

#[tokio::test]
async fn a_taken_handle_is_a_conflict_and_writes_nothing() {
    let app = spawn().await;
    app.user("ann").await;
    let head = app.head();
    let (status, body) = app.client().signup("ann").await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    assert_eq!(app.head(), head);
}

#[tokio::test]
async fn bad_handles_and_short_passwords_are_invalid_and_write_nothing() {
    let app = spawn().await;
    let client = app.client();
    for handle in ["an", "Ann", "ann-b", "a_handle_longer_than_20"] {
        let (status, body) = client.signup(handle).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    }
    let (status, body) = client
        .post(
            "/api/auth/signup",
            json!({ "handle": "ann", "password": "short" }),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    assert_eq!(app.head(), 0);
}

#[tokio::test]
async fn sign_in_checks_the_password() {
    let app = spawn().await;
    app.user("ann").await;
    let client = app.client();
    let (status, body) = client
        .post(
            "/api/auth/signin",
            json!({ "handle": "ann", "password": "not the one" }),
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = client
        .post(
            "/api/auth/signin",
            json!({ "handle": "nobody", "password": PASSWORD }),
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = client
        .post(
            "/api/auth/signin",
            json!({ "handle": "ann", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(client.get("/api/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn().await;
    let client = app.user("ann").await;
    let (status, _) = client.post("/api/auth/signout", json!(null)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = client.get("/api/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn a_missing_or_forged_session_is_unauthorized() {
    let app = spawn().await;
    let (status, body) = app.client().get("/api/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let forged = reqwest::Client::new()
        .get(app.url("/api/me"))
        .header("cookie", format!("agora_session={}", "ab".repeat(32)))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_flag_handle_becomes_admin_by_an_event() {
    let app = spawn().await;
    let admin = app.user(common::ADMIN).await;
    let (_, me) = admin.get("/api/me").await;
    assert_eq!(me["is_admin"], true);
    let events = app
        .state
        .store
        .read_stream(&format!("user-{}", common::ADMIN), 0)
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>(),
        ["UserRegistered", "AdminGranted"]
    );
    // Signing in again grants nothing more and writes nothing.
    let head = app.head();
    let (status, _) = app
        .client()
        .post(
            "/api/auth/signin",
            json!({ "handle": common::ADMIN, "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.head(), head);
    let noops = agora::db::rows(
        app.state.store.db(),
        "SELECT count() AS n FROM command GROUP ALL",
        serde_json::Value::Null,
    )
    .await
    .unwrap();
    let recorded = noops.first().and_then(|row| row["n"].as_u64()).unwrap_or(0);
    assert_eq!(recorded, 0, "a sign-in recorded a command");
}
