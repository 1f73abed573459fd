//! The browser's side of the contract: JSON calls to `/api` and the `/ws` live connection.

use crate::components::connection::Connection;
use crate::wire::{ClientFrame, ErrorBody, ServerFrame};
use futures::{SinkExt, StreamExt};
use gloo_net::http::{Request, Response};
use gloo_net::websocket::{futures::WebSocket, Message};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// A refused or failed call, with the contract's message when the server sent one.
#[derive(Debug, Clone)]
pub struct ApiFailure {
    pub status: u16,
    pub message: String,
}

async fn read<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiFailure> {
    let response = response.map_err(|e| ApiFailure {
        status: 0,
        message: format!("the server cannot be reached ({e})"),
    })?;
    if !response.ok() {
        let status = response.status();
        let message = match response.json::<ErrorBody>().await {
            Ok(body) => body.error.message,
            Err(_) => format!("the server answered {status}"),
        };
        return Err(ApiFailure { status, message });
    }
    if response.status() == 204 {
        return serde_json::from_str("null").map_err(|e| ApiFailure {
            status: 204,
            message: e.to_string(),
        });
    }
    response.json::<T>().await.map_err(|e| ApiFailure {
        status: response.status(),
        message: e.to_string(),
    })
}

pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiFailure> {
    read(Request::get(url).send().await).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiFailure> {
    let request = Request::post(url).json(body).map_err(|e| ApiFailure {
        status: 0,
        message: e.to_string(),
    })?;
    read(request.send().await).await
}

fn socket_url() -> String {
    let location = window().location();
    let scheme = if location.protocol().as_deref() == Ok("https:") {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{}/ws", location.host().unwrap_or_default())
}

/// Keeps one topic subscribed for as long as the page lives: connects, subscribes after the last
/// position seen (`after` is read at each connect), hands every frame to `on_frame`, and reconnects
/// with backoff when the connection drops. When the page goes (the router leaves it), the loop ends
/// and its socket closes: nothing touches the page's signals after that.
pub fn follow(
    topic: String,
    after: impl Fn() -> u64 + 'static,
    state: RwSignal<Connection>,
    on_frame: impl Fn(ServerFrame) + 'static,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let gone = std::sync::Arc::new(AtomicBool::new(false));
    let on_gone = gone.clone();
    on_cleanup(move || on_gone.store(true, Ordering::Relaxed));
    leptos::task::spawn_local(async move {
        let mut backoff = Duration::from_millis(250);
        while !gone.load(Ordering::Relaxed) {
            if let Ok(socket) = WebSocket::open(&socket_url()) {
                let (mut sink, mut stream) = socket.split();
                let subscribe = ClientFrame::Subscribe {
                    topic: topic.clone(),
                    after: Some(after()),
                };
                let text = serde_json::to_string(&subscribe).expect("frames serialize");
                if sink.send(Message::Text(text)).await.is_ok() {
                    while let Some(Ok(Message::Text(text))) = stream.next().await {
                        if gone.load(Ordering::Relaxed) {
                            let _ = sink.close().await;
                            return;
                        }
                        let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) else {
                            continue;
                        };
                        if matches!(frame, ServerFrame::Subscribed { .. }) {
                            let _ = state.try_set(Connection::Live);
                            backoff = Duration::from_millis(250);
                        }
                        on_frame(frame);
                    }
                }
            }
            if gone.load(Ordering::Relaxed) {
                return;
            }
            let _ = state.try_set(Connection::Reconnecting);
            gloo_timers::future::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    });
}

/// Sends one command of the contract with a fresh command id.
pub async fn command(
    command_type: &str,
    payload: serde_json::Value,
) -> Result<crate::wire::CommandAnswer, ApiFailure> {
    let request = crate::wire::CommandRequest {
        command_id: uuid::Uuid::now_v7(),
        command_type: command_type.to_owned(),
        payload,
        expected_version: None,
    };
    post("/api/commands", &request).await
}
