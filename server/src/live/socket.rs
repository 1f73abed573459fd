//! `GET /ws`: one socket is a send task (frames out, batched, with heartbeats) and a receive task
//! (the client's frames, the hub's "fell behind" and the server's revocations in).

use super::history::History;
use super::hub::{Outgoing, Subscriber};
use super::protocol::{Connection, Holder, Next, MAX_FRAME_BYTES};
use super::revocations::Revoked;
use crate::http::auth::{session_token, Viewer};
use crate::http::error::Upgrade;
use crate::http::openapi::responses as answers;
use crate::metrics::METRICS;
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::{timeout, Instant};

/// Frames queued for one socket before it counts as fallen behind. The queue's memory grows
/// only as frames wait in it (a frame is a shared reference to bytes serialised once).
const SOCKET_QUEUE: usize = 4096;
/// Frames written before one flush: one system call for a burst, not one a frame.
const BATCH: usize = 256;
/// A write the peer does not take within this long means it stopped reading: the socket closes.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The server pings this often (browsers answer on their own)…
const HEARTBEAT: Duration = Duration::from_secs(20);
/// …and closes a peer it has not heard from for this long (dead peers hold no socket).
const SILENCE: Duration = Duration::from_secs(50);
/// Bytes tungstenite reads at a time, kept for the socket's life: client frames are small (a
/// subscribe is under 100 bytes; a larger one takes a few reads), and 128 KiB a socket (its default)
/// was most of what an idle socket cost, 4 KiB still a third of it.
const READ_BUFFER: usize = 1024;
/// Larger messages end the connection at the protocol level; up to it, a clear error frame.
const MAX_MESSAGE: usize = 16 * MAX_FRAME_BYTES;

#[utoipa::path(get, path = "/ws", tag = "live", security((), ("session" = [])),
    responses(
        (status = 101, description = "The live socket: subscribe to topics,
        get their changes (docs/live.md)"), answers::Invalid))]
pub async fn websocket(
    Upgrade(ws): Upgrade,
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
) -> Response {
    let holder = viewer.map(|v| Holder {
        handle: v.handle,
        is_admin: v.is_admin,
        session: session_token(&headers).unwrap_or_default(),
    });
    let history = History {
        journal: state.journal.clone(),
        store: state.store.clone(),
        projections: state.projections.clone(),
        dashboard: state.dashboard(),
    };
    let (hub, revoked) = (state.hub.clone(), state.revocations.listen());
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(socket, hub, history, holder, revoked))
}

/// Starts the send task and answers the receive task, which is the socket's life. A plain `fn`,
/// not an `async` one, so what it sets up is moved into the two tasks rather than also kept in a
/// future of its own: what an idle socket holds is the two tasks' state (docs/live.md).
fn serve(
    socket: WebSocket,
    hub: super::Hub,
    history: History,
    holder: Option<Holder>,
    revoked: broadcast::Receiver<Revoked>,
) -> impl std::future::Future<Output = ()> {
    METRICS.socket_opened();
    let (frames, outgoing) = mpsc::channel::<Outgoing>(SOCKET_QUEUE);
    let (lagged, fell_behind) = mpsc::unbounded_channel::<String>();
    let subscriber = Subscriber {
        id: hub.next_subscriber_id(),
        frames,
        lagged,
    };
    let connection = Connection::new(hub, history, holder, subscriber);
    let (sink, stream) = socket.split();
    // Dropped when the send task ends (the peer stopped taking frames): the receive task ends too.
    let (sending, stopped) = oneshot::channel::<()>();
    let send = tokio::spawn(send_frames(sink, outgoing, sending));
    let inbox = Inbox {
        fell_behind,
        revoked,
        stopped,
    };
    receive(stream, connection, inbox, send)
}

/// Writes queued frames in batches (one flush a batch) and pings when idle.
async fn send_frames(
    mut sink: SplitSink<WebSocket, Message>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    _sending: oneshot::Sender<()>,
) {
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    // Allocated at the first frame: an idle socket holds no batch.
    let mut batch = Vec::new();
    loop {
        tokio::select! {
            received = outgoing.recv_many(&mut batch, BATCH) => {
                if received == 0 {
                    break;
                }
            }
            _ = heartbeat.tick() => {
                let ping = async { sink.send(Message::Ping(Default::default())).await };
                if !matches!(timeout(WRITE_TIMEOUT, ping).await, Ok(Ok(()))) {
                    break;
                }
                continue;
            }
        }
        let count = batch.len();
        let close = match timeout(WRITE_TIMEOUT, write(&mut sink, &mut batch)).await {
            Ok(Ok(close)) => close,
            _ => break,
        };
        METRICS.pushed_many(count);
        if close {
            break;
        }
    }
    let _ = sink.close().await;
}

/// Feeds a batch and flushes it; answers whether the batch ended with a close.
async fn write(
    sink: &mut SplitSink<WebSocket, Message>,
    batch: &mut Vec<Outgoing>,
) -> Result<bool, axum::Error> {
    for item in batch.drain(..) {
        match item {
            Outgoing::Frame(text) => sink.feed(Message::Text(text)).await?,
            Outgoing::Close(code, reason) => {
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                sink.send(Message::Close(Some(frame))).await?;
                return Ok(true);
            }
        }
    }
    sink.flush().await?;
    Ok(false)
}

/// What reaches a socket besides its client's frames.
struct Inbox {
    /// Topics the hub dropped this socket from, as it could not keep up.
    fell_behind: mpsc::UnboundedReceiver<String>,
    revoked: broadcast::Receiver<Revoked>,
    /// Ends when the send task does.
    stopped: oneshot::Receiver<()>,
}

/// Reads the client's frames and the server's news for this socket until either side ends it,
/// then leaves the hub and lets the send task write what is queued.
async fn receive(
    mut stream: SplitStream<WebSocket>,
    mut connection: Connection,
    mut inbox: Inbox,
    mut send: tokio::task::JoinHandle<()>,
) {
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            message = stream.next() => {
                let message = match message {
                    Some(Ok(message)) => message,
                    Some(Err(error)) => {
                        let (code, reason) = unreadable(&error);
                        let _ = connection.subscriber.frames.send(Outgoing::Close(code, reason)).await;
                        break;
                    }
                    None => break,
                };
                heard = Instant::now();
                let next = match message {
                    // Boxed: answering a frame may read history (a database query's future is
                    // large), and an idle socket should not hold room for it.
                    Message::Text(text) => Box::pin(connection.on_text(text.as_str())).await,
                    Message::Binary(_) => connection.on_binary().await,
                    Message::Close(_) => break,
                    Message::Ping(_) | Message::Pong(_) => Next::Go,
                };
                if let Next::Close(code, reason) = next {
                    let _ = connection.subscriber.frames.send(Outgoing::Close(code, reason)).await;
                    break;
                }
            }
            Some(topic) = inbox.fell_behind.recv() => connection.fell_behind(&topic),
            news = inbox.revoked.recv() => match news {
                Ok(Revoked::Session(token)) if connection.holds_session(&token) => {
                    Box::pin(connection.revoke("signed out")).await;
                }
                Ok(Revoked::Person(handle)) if connection.held_by(&handle) => {
                    Box::pin(connection.revoke("erased")).await;
                }
                Ok(_) => {}
                // Missed revocations could have been this socket's: it cannot tell, so it closes.
                Err(_) => break,
            },
            _ = &mut inbox.stopped => break,
            _ = tokio::time::sleep_until(heard + SILENCE) => break,
        }
    }
    // Once the hub holds no sender of this socket's queue, the send task writes what is queued
    // (a last error or close frame) and ends.
    let hub = connection.hub.clone();
    hub.unsubscribe_all(connection.subscriber.id, &connection.hub_topics());
    drop(connection);
    if timeout(WRITE_TIMEOUT, &mut send).await.is_err() {
        send.abort();
    }
    METRICS.socket_closed();
}

/// The close code for a message the socket could not read (RFC 6455 §7.4.1). tungstenite reports
/// the error and leaves closing to the server, which would otherwise close without saying why.
fn unreadable(error: &axum::Error) -> (u16, &'static str) {
    use std::error::Error as _;
    match error
        .source()
        .and_then(|e| e.downcast_ref::<tungstenite::Error>())
    {
        Some(tungstenite::Error::Utf8(_)) => (1007, "text must be UTF-8"),
        Some(tungstenite::Error::Capacity(_)) => (1009, "message too big"),
        _ => (1002, "protocol error"),
    }
}

/// The close frame of [`unreadable`], for sockets that write their own frames.
pub fn unreadable_close(error: &axum::Error) -> Message {
    let (code, reason) = unreadable(error);
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}
