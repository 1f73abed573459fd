//! The store as a data source: machine tokens, the NDJSON export, the live feed (catch-up then live).

mod common;

use common::{assert_error, spawn, ADMIN};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
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
    let admin = app.user(ADMIN).await;
    let (_, body) = admin
        .post("/api/admin/tokens", json!({ "name": "search" }))
        .await;
    let token = body["token"].as_str().unwrap().to_owned();
    admin.create_post("before").await;

    let mut request = format!("ws://{}/api/events/live?after=1", app.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
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

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

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
