//! The ceiling `bench live` compares against: the same sockets fed by a bare broadcast of the same
//! frames, with no store, projector or hub — an axum server whose `POST /publish` sends its body
//! to every socket, written the way Agora's sockets write (a batch, one flush).

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use futures::{SinkExt, StreamExt};
use tokio::sync::broadcast;

const BATCH: usize = 256;

/// Serves the bare broadcast on `addr` until killed.
pub async fn serve(addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let (frames, _) = broadcast::channel::<Utf8Bytes>(4096);
    let app = Router::new()
        .route("/ws", get(socket))
        .route("/publish", post(publish))
        .with_state(frames);
    let listener = crate::http::listen(addr)?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn publish(State(frames): State<broadcast::Sender<Utf8Bytes>>, body: String) {
    let _ = frames.send(body.into());
}

async fn socket(
    ws: WebSocketUpgrade,
    State(frames): State<broadcast::Sender<Utf8Bytes>>,
) -> axum::response::Response {
    let receiver = frames.subscribe();
    ws.read_buffer_size(4096)
        .on_upgrade(move |socket| feed(socket, receiver))
}

async fn feed(socket: WebSocket, mut frames: broadcast::Receiver<Utf8Bytes>) {
    let (mut sink, mut stream) = socket.split();
    // Every client subscribes to the one topic there is: it is told so, as Agora would.
    let subscribed = r#"{"op":"subscribed","topic":"public","position":0}"#;
    if sink.send(Message::Text(subscribed.into())).await.is_err() {
        return;
    }
    // The client's frames (its subscribe) are read and ignored.
    tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    loop {
        let first = match frames.recv().await {
            Ok(frame) => frame,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if sink.feed(Message::Text(first)).await.is_err() {
            return;
        }
        for _ in 1..BATCH {
            match frames.try_recv() {
                Ok(frame) => {
                    if sink.feed(Message::Text(frame)).await.is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}
