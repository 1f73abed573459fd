//! `GET /ws`: one socket is a send task (frames out) and a receive task (subscriptions in).

use super::topics::{Access, Topics};
use super::{Hub, Subscriber};
use crate::http::auth::Viewer;
use crate::metrics::METRICS;
use crate::state::AppState;
use app::wire::{ClientFrame, ServerFrame};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc;

/// Frames queued for one socket before it counts as fallen behind.
const SOCKET_QUEUE: usize = 1024;

pub async fn websocket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
) -> Response {
    let (hub, topics) = (state.hub.clone(), state.topics.clone());
    let viewer = viewer.map(|v| (v.handle, v.is_admin));
    ws.on_upgrade(move |socket| serve(socket, hub, topics, viewer))
}

fn with_client_topic(topics: &Topics, frame: ServerFrame) -> ServerFrame {
    let named = |topic: String| topics.client_topic(&topic).to_owned();
    match frame {
        ServerFrame::Change {
            topic,
            position,
            kind,
            data,
        } => ServerFrame::Change {
            topic: named(topic),
            position,
            kind,
            data,
        },
        ServerFrame::Subscribed { topic, position } => ServerFrame::Subscribed {
            topic: named(topic),
            position,
        },
        ServerFrame::Resync { topic, reason } => ServerFrame::Resync {
            topic: named(topic),
            reason,
        },
        other => other,
    }
}

async fn serve(socket: WebSocket, hub: Hub, topics: Topics, viewer: Option<(String, bool)>) {
    METRICS.socket_opened();
    let (mut sink, mut stream) = socket.split();
    let (frames, mut outgoing) = mpsc::channel::<ServerFrame>(SOCKET_QUEUE);
    let (lagged, mut fell_behind) = mpsc::unbounded_channel::<String>();
    let subscriber = Subscriber {
        id: hub.next_subscriber_id(),
        frames: frames.clone(),
        lagged,
    };
    let id = subscriber.id;

    let send_topics = topics.clone();
    let mut send = tokio::spawn(async move {
        loop {
            let frame = tokio::select! {
                Some(frame) = outgoing.recv() => frame,
                Some(topic) = fell_behind.recv() => ServerFrame::Resync { topic, reason: "this connection fell behind".into() },
                else => break,
            };
            let text = serde_json::to_string(&with_client_topic(&send_topics, frame))
                .expect("frames serialize");
            if sink.send(Message::Text(text.into())).await.is_err() {
                break;
            }
            METRICS.pushed();
        }
    });

    let receive_hub = hub.clone();
    let mut receive = tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            let text = match message {
                Message::Text(text) => text,
                Message::Close(_) => break,
                _ => continue,
            };
            let answers = match serde_json::from_str::<ClientFrame>(text.as_str()) {
                Ok(frame) => handle(frame, &receive_hub, &topics, &subscriber, viewer.as_ref()),
                Err(error) => vec![ServerFrame::Error {
                    topic: None,
                    code: "invalid".into(),
                    message: Some(format!("unreadable frame: {error}")),
                }],
            };
            for answer in answers {
                if subscriber.frames.send(answer).await.is_err() {
                    return;
                }
            }
        }
    });

    tokio::select! {
        _ = &mut send => receive.abort(),
        _ = &mut receive => send.abort(),
    }
    hub.unsubscribe_all(id);
    METRICS.socket_closed();
}

fn handle(
    frame: ClientFrame,
    hub: &Hub,
    topics: &Topics,
    subscriber: &Subscriber,
    viewer: Option<&(String, bool)>,
) -> Vec<ServerFrame> {
    let refuse = |topic: String, code: &str, message: &str| {
        vec![ServerFrame::Error {
            topic: Some(topic),
            code: code.into(),
            message: Some(message.into()),
        }]
    };
    match frame {
        ClientFrame::Ping => vec![ServerFrame::Pong],
        ClientFrame::Subscribe { topic, after } => {
            match topics.resolve(&topic, viewer.map(|(handle, _)| handle.as_str())) {
                None => refuse(topic, "not_found", "no such topic"),
                Some((Access::Own, _)) if viewer.is_none() => {
                    refuse(topic, "forbidden", "sign in first")
                }
                Some((Access::Admin, _)) if !viewer.is_some_and(|(_, admin)| *admin) => {
                    refuse(topic, "forbidden", "admins only")
                }
                Some((_, hub_topic)) => hub.subscribe(&hub_topic, after, subscriber.clone()),
            }
        }
        ClientFrame::Unsubscribe { topic } => {
            if let Some((_, hub_topic)) =
                topics.resolve(&topic, viewer.map(|(handle, _)| handle.as_str()))
            {
                hub.unsubscribe(&hub_topic, subscriber.id);
            }
            vec![]
        }
    }
}
