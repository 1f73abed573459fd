//! One socket's side of the protocol: what its client asked for, what it may read, and the answers.
//!
//! Every answer goes through the socket's one queue, so it is ordered with the changes. A client
//! that floods (too many frames a second) is told once and closed; oversized and unreadable frames,
//! unknown ops and topics get an error frame and the socket stays usable.

use super::history::History;
use super::hub::{Missing, Outgoing, Subscriber};
use super::topics::Access;
use super::Hub;
use crate::metrics::{Resumed, METRICS};
use app::wire::{ClientFrame, ServerFrame};
use axum::extract::ws::Utf8Bytes;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A frame from a client is a few dozen bytes; anything this long is not one of ours.
pub const MAX_FRAME_BYTES: usize = 4096;
/// Topics one socket may hold at once (a page needs a handful).
pub const MAX_TOPICS: usize = 64;
/// Frames a client may send in one second; more is a flood and closes the socket.
pub const MAX_FRAMES_PER_SECOND: u32 = 50;
/// The WebSocket close code for a client that broke the rules (RFC 6455 §7.4.1).
pub const POLICY_VIOLATION: u16 = 1008;
/// How long a resume waits for the read models to reach what the journal must answer.
const CATCH_UP: Duration = Duration::from_secs(5);

/// Who holds the socket: their handle and role, and the session it was opened with.
#[derive(Clone)]
pub struct Holder {
    pub handle: String,
    pub is_admin: bool,
    pub session: String,
}

/// What a client frame asks the socket to do once it is answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Go,
    /// Close with this code and reason (the error frame is already queued).
    Close(u16, &'static str),
}

pub struct Connection {
    pub hub: Hub,
    pub history: History,
    pub holder: Option<Holder>,
    pub subscriber: Subscriber,
    /// The client's topic names → the hub's (`home` → `home:ann`).
    topics: HashMap<String, String>,
    window: (Instant, u32),
}

fn error(topic: Option<&str>, code: &str, message: impl Into<String>) -> ServerFrame {
    ServerFrame::Error {
        topic: topic.map(str::to_owned),
        code: code.into(),
        message: Some(message.into()),
    }
}

impl Connection {
    pub fn new(hub: Hub, history: History, holder: Option<Holder>, subscriber: Subscriber) -> Self {
        Connection {
            hub,
            history,
            holder,
            subscriber,
            topics: HashMap::new(),
            window: (Instant::now(), 0),
        }
    }

    /// Queues a frame after everything queued before it; `false` once the socket is gone.
    async fn send(&self, frame: &ServerFrame) -> bool {
        let text = Hub::text(frame);
        self.subscriber
            .frames
            .send(Outgoing::Frame(text))
            .await
            .is_ok()
    }

    /// Answers one text frame of the client.
    pub async fn on_text(&mut self, text: &str) -> Next {
        if self.flooding() {
            return self.flood().await;
        }
        if text.len() > MAX_FRAME_BYTES {
            let message = format!("frames are at most {MAX_FRAME_BYTES} bytes");
            self.send(&error(None, "too_large", message)).await;
            return Next::Go;
        }
        let frame = match serde_json::from_str::<ClientFrame>(text) {
            Ok(frame) => frame,
            Err(problem) => {
                let op = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|value| {
                        value
                            .get("op")
                            .and_then(|op| op.as_str())
                            .map(str::to_owned)
                    });
                let code = match op.as_deref() {
                    Some("subscribe" | "unsubscribe" | "ping") | None => "invalid",
                    Some(_) => "unknown_op",
                };
                let message = format!("unreadable frame: {problem}");
                self.send(&error(None, code, message)).await;
                return Next::Go;
            }
        };
        match frame {
            ClientFrame::Ping => {
                self.send(&ServerFrame::Pong).await;
            }
            ClientFrame::Subscribe { topic, after } => self.subscribe(topic, after).await,
            ClientFrame::Unsubscribe { topic } => {
                if let Some(hub_topic) = self.topics.remove(&topic) {
                    self.hub.unsubscribe(&hub_topic, self.subscriber.id);
                }
            }
        }
        Next::Go
    }

    /// Frames are JSON text: a binary one is answered like any unreadable frame.
    pub async fn on_binary(&mut self) -> Next {
        if self.flooding() {
            return self.flood().await;
        }
        self.send(&error(None, "invalid", "frames are JSON text"))
            .await;
        Next::Go
    }

    async fn flood(&self) -> Next {
        let frame = error(None, "flood", "too many frames; closing");
        self.send(&frame).await;
        Next::Close(POLICY_VIOLATION, "flood")
    }

    pub fn holds_session(&self, token: &str) -> bool {
        self.holder.as_ref().is_some_and(|h| h.session == token)
    }

    pub fn held_by(&self, handle: &str) -> bool {
        self.holder.as_ref().is_some_and(|h| h.handle == handle)
    }

    /// True when this frame is over the second's allowance.
    fn flooding(&mut self) -> bool {
        let (started, count) = &mut self.window;
        if started.elapsed() >= Duration::from_secs(1) {
            *started = Instant::now();
            *count = 0;
        }
        *count += 1;
        *count > MAX_FRAMES_PER_SECOND
    }

    async fn subscribe(&mut self, topic: String, after: Option<u64>) {
        let viewer = self.holder.as_ref();
        let Some((access, hub_topic)) = self
            .hub
            .topics()
            .resolve(&topic, viewer.map(|h| h.handle.as_str()))
        else {
            self.send(&error(Some(&topic), "not_found", "no such topic"))
                .await;
            return;
        };
        let refusal = match access {
            Access::Own if viewer.is_none() => Some("sign in first"),
            Access::Admin if !viewer.is_some_and(|h| h.is_admin) => Some("admins only"),
            _ => None,
        };
        if let Some(message) = refusal {
            self.send(&error(Some(&topic), "forbidden", message)).await;
            return;
        }
        if !self.topics.contains_key(&topic) && self.topics.len() >= MAX_TOPICS {
            let message = format!("at most {MAX_TOPICS} topics a socket");
            self.send(&error(Some(&topic), "too_many_topics", message))
                .await;
            return;
        }
        // A second subscribe to a topic starts it over from its `after`.
        self.hub.unsubscribe(&hub_topic, self.subscriber.id);
        self.topics.insert(topic.clone(), hub_topic.clone());
        let joined = self.join(&topic, &hub_topic, after).await;
        if after.is_some() {
            METRICS.resumed(match &joined {
                Ok(false) => Resumed::FromRing,
                Ok(true) => Resumed::FromJournal,
                Err(_) => Resumed::Resync,
            });
        }
        if let Err(reason) = joined {
            self.resync(&topic, &hub_topic, reason);
        }
    }

    /// Joins the topic after `after`: from the hub's ring, or from history up to where the ring
    /// begins and then the ring; answers whether history was read. `Err` with the reason when
    /// neither can answer.
    async fn join(&self, topic: &str, hub_topic: &str, after: Option<u64>) -> Result<bool, String> {
        let mut from = after;
        let mut missed = vec![];
        // The ring can move on while history is read: a few rounds, then the client refetches.
        for round in 0..3 {
            let answered = self.hub.subscribe(
                hub_topic,
                from,
                |position| self.prefix(topic, position, std::mem::take(&mut missed)),
                self.subscriber.clone(),
            );
            let ring_from = match answered {
                Ok(()) => return Ok(round > 0),
                Err(Missing::Resync(reason)) => return Err(reason),
                Err(Missing::Before(ring_from)) => ring_from,
            };
            let since = from.unwrap_or_default();
            let sources = self.hub.sources(hub_topic);
            let replay = self
                .history
                .after(
                    hub_topic,
                    &sources,
                    since,
                    ring_from,
                    CATCH_UP,
                    self.hub.topics(),
                )
                .await?;
            missed.extend(replay.iter().cloned());
            from = Some(ring_from);
        }
        Err("changes keep coming faster than they can be replayed; refetch".into())
    }

    /// The frames a subscription starts with: `subscribed`, then `rest` (what history answered, or
    /// a `resync`).
    fn prefix(&self, topic: &str, position: u64, rest: Vec<Utf8Bytes>) -> Vec<Utf8Bytes> {
        let subscribed = ServerFrame::Subscribed {
            topic: topic.to_owned(),
            position,
        };
        std::iter::once(Hub::text(&subscribed))
            .chain(rest)
            .collect()
    }

    /// Tells the client to refetch the topic, and joins its live flow from now.
    pub fn resync(&self, topic: &str, hub_topic: &str, reason: String) {
        let resync = Hub::text(&ServerFrame::Resync {
            topic: topic.to_owned(),
            reason,
        });
        let joined = self.hub.subscribe(
            hub_topic,
            None,
            |position| self.prefix(topic, position, vec![resync]),
            self.subscriber.clone(),
        );
        debug_assert!(joined.is_ok(), "a subscription from now always joins");
    }

    /// The hub dropped this socket from a topic it could not keep up with: it refetches and goes on.
    pub fn fell_behind(&self, topic: &str) {
        if let Some(hub_topic) = self.topics.get(topic) {
            let reason = "this connection fell behind; refetch".to_owned();
            self.resync(topic, hub_topic, reason);
        }
    }

    /// The session ended (signed out): its private topics go at once.
    pub async fn revoke(&mut self, why: &str) {
        let Some(holder) = self.holder.take() else {
            return;
        };
        let private: Vec<(String, String)> = self
            .topics
            .iter()
            .filter(|(topic, _)| {
                let resolved = self.hub.topics().resolve(topic, Some(&holder.handle));
                !matches!(resolved, Some((Access::Anyone, _)))
            })
            .map(|(topic, hub_topic)| (topic.clone(), hub_topic.clone()))
            .collect();
        for (topic, hub_topic) in private {
            self.hub.unsubscribe(&hub_topic, self.subscriber.id);
            self.topics.remove(&topic);
            self.send(&error(Some(&topic), "forbidden", why)).await;
        }
    }

    /// The hub topics this socket listens to (to leave them all when it closes).
    pub fn hub_topics(&self) -> Vec<String> {
        self.topics.values().cloned().collect()
    }
}
