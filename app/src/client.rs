//! The browser's side of the contract: JSON calls to `/api` and the `/ws` live connection.

use crate::components::connection::Connection;
use crate::components::tip::gone_flag;
use crate::live::{Backoff, Resume};
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

/// Calls `tick` now and then every `period`, for as long as the page lives.
pub fn every(period: Duration, tick: impl Fn() + 'static) {
    let gone = gone_flag();
    leptos::task::spawn_local(async move {
        while !gone.load(std::sync::atomic::Ordering::Relaxed) {
            tick();
            gloo_timers::future::sleep(period).await;
        }
    });
}

/// Silence on a socket for this long gets a ping; as long again without an answer, and the
/// connection counts as dead (a cut network often closes nothing, so no close ever arrives).
const HEARTBEAT: Duration = Duration::from_secs(20);

/// `future`'s output, or `None` if `limit` passed first.
async fn within<F: std::future::Future>(limit: Duration, future: F) -> Option<F::Output> {
    use futures::future::{select, Either};
    let (future, timer) = (
        std::pin::pin!(future),
        std::pin::pin!(gloo_timers::future::sleep(limit)),
    );
    match select(future, timer).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

type SocketSink = futures::stream::SplitSink<WebSocket, Message>;

/// Sends a frame; false when the socket will not take it.
async fn send(sink: &mut SocketSink, frame: &ClientFrame) -> bool {
    let text = serde_json::to_string(frame).expect("frames serialize");
    matches!(
        within(HEARTBEAT, sink.send(Message::Text(text))).await,
        Some(Ok(()))
    )
}

fn subscribe(topic: &str, after: Option<u64>) -> ClientFrame {
    ClientFrame::Subscribe {
        topic: topic.to_owned(),
        after,
    }
}

/// Keeps one topic subscribed for as long as the page lives: connects, subscribes, hands every
/// new frame to `on_frame`, and when the connection drops (or goes silent) reconnects after a
/// jittered backoff, resuming after the last position it saw whole (see [`Resume`]).
/// `after` is the position of the page's data (`None`: the page has none; start from now), read
/// at each connect. A `resync` is handed on once the topic is subscribed again from now, so the
/// page's refetch reads at least as far as the live flow starts. When the page goes, the loop ends
/// and its socket closes: nothing touches the page's signals after that.
pub fn follow(
    topic: String,
    after: impl Fn() -> Option<u64> + 'static,
    state: RwSignal<Connection>,
    on_frame: impl Fn(ServerFrame) + 'static,
) {
    follow_from(Resume::default(), topic, after, state, on_frame);
}

/// [`follow`] for a topic of states sent again at the head's position whenever they change
/// (`admin:projections`): there a position seen before is a newer state, not a repeat to drop.
pub fn follow_states(
    topic: String,
    state: RwSignal<Connection>,
    on_frame: impl Fn(ServerFrame) + 'static,
) {
    follow_from(Resume::of_states(), topic, || None, state, on_frame);
}

fn follow_from(
    mut resume: Resume,
    topic: String,
    after: impl Fn() -> Option<u64> + 'static,
    state: RwSignal<Connection>,
    on_frame: impl Fn(ServerFrame) + 'static,
) {
    use std::sync::atomic::Ordering;
    let gone = gone_flag();
    let gone = move || gone.load(Ordering::Relaxed);
    leptos::task::spawn_local(async move {
        let mut backoff = Backoff::new();
        // A resync waiting for the subscription from now that answers it.
        let mut resync = None;
        while !gone() {
            if let Ok(socket) = WebSocket::open(&socket_url()) {
                let (mut sink, mut stream) = socket.split();
                let first = subscribe(&topic, resume.subscribe(after()));
                let mut open = send(&mut sink, &first).await;
                let mut pinged = false;
                while open && !gone() {
                    let text = match within(HEARTBEAT, stream.next()).await {
                        Some(Some(Ok(Message::Text(text)))) => text,
                        Some(Some(Ok(Message::Bytes(_)))) => continue,
                        Some(_) => break,
                        None if pinged => break,
                        None => {
                            pinged = true;
                            open = send(&mut sink, &ClientFrame::Ping).await;
                            continue;
                        }
                    };
                    if gone() {
                        break;
                    }
                    pinged = false;
                    let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) else {
                        continue;
                    };
                    match frame {
                        ServerFrame::Subscribed { position, .. } => {
                            resume.subscribed(position);
                            backoff.reset();
                            let _ = state.try_set(Connection::Live);
                        }
                        ServerFrame::Change { position, more, .. } => {
                            if !resume.change(position, more) {
                                continue;
                            }
                        }
                        ServerFrame::Resync { .. } => {
                            resume.resync();
                            resync = Some(frame);
                            let again = subscribe(&topic, resume.subscribe(None));
                            open = send(&mut sink, &again).await;
                            continue;
                        }
                        ServerFrame::Pong => continue,
                        ServerFrame::Error { .. } => {}
                    }
                    let subscribed = matches!(frame, ServerFrame::Subscribed { .. });
                    on_frame(frame);
                    if subscribed {
                        if let Some(resync) = resync.take() {
                            on_frame(resync);
                        }
                    }
                }
            }
            if gone() {
                return;
            }
            // The page must not wait for a reconnect to learn it has to refetch.
            if let Some(resync) = resync.take() {
                on_frame(resync);
            }
            let _ = state.try_set(Connection::Reconnecting);
            let wait = backoff.wait(web_sys::js_sys::Math::random());
            gloo_timers::future::sleep(wait).await;
        }
    });
}

thread_local! {
    /// The position of the latest command this tab had accepted: what the next page it opens must
    /// show (read-your-writes across a navigation).
    static WRITTEN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// `url` asking for at least the latest accepted write (`min_position`), so a page opened right
/// after an action (a follow, then home) shows it. The query waits for its read model if needed.
pub fn read_your_writes(url: &str) -> String {
    let written = WRITTEN.with(std::cell::Cell::get);
    if written == 0 || url.contains("min_position=") {
        return url.to_owned();
    }
    let join = if url.contains('?') { '&' } else { '?' };
    format!("{url}{join}min_position={written}")
}

/// Sends one command of the contract with a fresh command id. When the answer is lost on the way
/// (no HTTP status), the same id is sent once more: the server answers a repeat with the first
/// answer, so a command that did run is not shown as refused.
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
    let mut answer: Result<crate::wire::CommandAnswer, ApiFailure> =
        post("/api/commands", &request).await;
    if matches!(&answer, Err(failure) if failure.status == 0) {
        gloo_timers::future::sleep(Duration::from_millis(500)).await;
        answer = post("/api/commands", &request).await;
    }
    if let Ok(answer) = &answer {
        WRITTEN.with(|written| written.set(written.get().max(answer.position)));
    }
    answer
}
