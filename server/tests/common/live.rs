//! WebSocket helpers: `/ws` as an anonymous or a signed-in browser, frames as JSON.

use super::{Client, Socket, TestApp};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// `/ws` without a session.
pub async fn connect(app: &TestApp) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr))
        .await
        .unwrap();
    socket
}

/// `/ws` with the session of `client` (its cookie, as a browser sends it).
pub async fn connect_as(app: &TestApp, client: &Client) -> Socket {
    let mut request = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .unwrap();
    let cookies = client.cookies().expect("signed in");
    request
        .headers_mut()
        .insert("cookie", cookies.parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// The next text frame, within 5 s.
pub async fn next_frame(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// Every text frame that arrives until none has for `quiet`.
pub async fn frames_until_quiet(socket: &mut Socket, quiet: Duration) -> Vec<Value> {
    let mut frames = vec![];
    while let Ok(Some(Ok(message))) = tokio::time::timeout(quiet, socket.next()).await {
        if let Message::Text(text) = message {
            frames.push(serde_json::from_str(&text).unwrap());
        }
    }
    frames
}

pub async fn send(socket: &mut Socket, frame: Value) {
    send_text(socket, frame.to_string()).await;
}

pub async fn send_text(socket: &mut Socket, text: String) {
    socket.send(Message::Text(text.into())).await.unwrap();
}
