//! The store as a data source: machine tokens, the NDJSON export, the live feed (catch-up then live).

mod common;

use common::Socket;
use common::{assert_error, spawn, ADMIN};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_machine_token_reads_the_store_and_nothing_else() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    let (status, body) = admin
        .post("/api/admin/tokens", json!({ "name": "mailer" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();

    let machine = reqwest::Client::new();
    let export = machine
        .get(app.url("/api/events?after=0"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(
        export.text().await.unwrap().lines().count() as u64,
        app.head()
    );
    let forged = machine
        .get(app.url("/api/events"))
        .bearer_auth("ab".repeat(32))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    let not_admin = machine
        .get(app.url("/api/admin/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(not_admin.status(), StatusCode::UNAUTHORIZED);

    let (status, body) = ann
        .post("/api/admin/tokens", json!({ "name": "mine" }))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = admin
        .post("/api/admin/tokens", json!({ "name": " " }))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
}

#[tokio::test]
async fn the_live_feed_catches_up_then_follows_without_gap() {
    let app = spawn().await;
    let (admin, token) = app.admin_with_token("search").await;
    admin.create_post("before").await;

    let mut socket = app.bearer_socket("/api/events/live?after=1", &token).await;
    assert_eq!(next(&mut socket).await["position"], 2);
    assert_eq!(next(&mut socket).await["position"], 3);
    let live = admin.create_post("after").await["position"]
        .as_u64()
        .unwrap();
    let event = next(&mut socket).await;
    assert_eq!(event["position"], live);
    assert_eq!(event["data"]["text"], "after");

    let anonymous =
        tokio_tungstenite::connect_async(format!("ws://{}/api/events/live", app.addr)).await;
    assert!(anonymous.is_err(), "the feed needs an admin or a token");
}

async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str::<Value>(&text).unwrap();
        }
    }
}

async fn subscribe(app: &common::TestApp, token: &str, query: &str) -> Socket {
    app.bearer_socket(&format!("/api/subscriptions/mailer?{query}"), token)
        .await
}

async fn send(socket: &mut Socket, frame: Value) {
    use futures::SinkExt;
    socket
        .send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
}

async fn event_position(socket: &mut Socket) -> u64 {
    let frame = next(socket).await;
    assert_eq!(frame["op"], "event", "{frame}");
    frame["event"]["position"].as_u64().unwrap()
}

#[tokio::test]
async fn a_handler_that_crashes_mid_batch_gets_every_unacked_event_again_and_nothing_acked() {
    let app = spawn().await;
    let (admin, token) = app.admin_with_token("mailer").await;
    for n in 0..4 {
        admin.create_post(&format!("mail {n}")).await;
    }
    let head = app.head();

    let mut handler = subscribe(&app, &token, "ack_timeout_ms=60000").await;
    for expected in 1..=head {
        assert_eq!(event_position(&mut handler).await, expected);
    }
    send(&mut handler, json!({ "op": "ack", "position": 3 })).await;
    wait_for_acked(&app, 3).await;
    drop(handler); // the handler crashes with 4..=head delivered but not acknowledged

    let mut again = subscribe(&app, &token, "ack_timeout_ms=60000").await;
    for expected in 4..=head {
        assert_eq!(
            event_position(&mut again).await,
            expected,
            "acked events must not come back"
        );
    }
    send(&mut again, json!({ "op": "ack", "position": head })).await;
}

#[tokio::test]
async fn unacked_events_come_again_after_the_timeout_and_nacked_ones_are_parked() {
    let app = spawn().await;
    let (admin, token) = app.admin_with_token("mailer").await;
    let mut handler = subscribe(&app, &token, "ack_timeout_ms=300").await;
    assert_eq!(event_position(&mut handler).await, 1);
    assert_eq!(event_position(&mut handler).await, 2);
    send(&mut handler, json!({ "op": "ack", "position": 1 })).await;
    assert_eq!(
        event_position(&mut handler).await,
        2,
        "not acked within the timeout: delivered again"
    );

    for _ in 0..5 {
        send(
            &mut handler,
            json!({ "op": "nack", "position": 2, "error": "smtp down" }),
        )
        .await;
    }
    let parked = loop {
        let frame = next(&mut handler).await;
        if frame["op"] == "parked" {
            break frame;
        }
    };
    assert_eq!(parked["position"], 2);
    let rows = agora::db::rows(
        app.state.store.db(),
        "SELECT position, error FROM parked WHERE projector = 'subscription:mailer'",
        Value::Null,
    )
    .await
    .unwrap();
    assert_eq!(rows, vec![json!({ "position": 2, "error": "smtp down" })]);

    // The admin sees it and asks for a retry: the handler gets it first on its next connection,
    // and acknowledging it takes it off the parked list.
    let (_, list) = admin.get("/api/admin/subscriptions").await;
    assert_eq!(list[0]["name"], "mailer");
    assert_eq!(list[0]["parked"], 1);
    let (status, _) = admin
        .post("/api/admin/subscriptions/mailer/parked/retry", json!(null))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    drop(handler);
    let mut again = subscribe(&app, &token, "ack_timeout_ms=60000").await;
    assert_eq!(event_position(&mut again).await, 2);
    send(&mut again, json!({ "op": "ack", "position": 2 })).await;
    for _ in 0..100 {
        let (_, list) = admin.get("/api/admin/subscriptions").await;
        if list[0]["parked"] == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the retried event stayed parked");
}

/// Waits until the server has stored the subscription's acknowledged position.
async fn wait_for_acked(app: &common::TestApp, position: u64) {
    let sql = "SELECT VALUE acked FROM subscription:mailer";
    for _ in 0..100 {
        let rows = agora::db::rows(app.state.store.db(), sql, Value::Null)
            .await
            .unwrap();
        if rows.first().and_then(Value::as_u64) == Some(position) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the ack of {position} was never stored");
}
