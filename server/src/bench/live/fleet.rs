//! The benchmark's clients: many WebSockets on one topic, counting what arrives, checking its order,
//! and (on a sample of them) timing each post from its command to the socket.

use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// When each post left and when its command was answered, by post id.
#[derive(Default)]
pub struct Sent(Mutex<HashMap<String, (Instant, Option<Instant>)>>);

impl Sent {
    pub fn sent(&self, id: &str) {
        self.lock().insert(id.to_owned(), (Instant::now(), None));
    }

    pub fn answered(&self, id: &str) {
        if let Some(entry) = self.lock().get_mut(id) {
            entry.1 = Some(Instant::now());
        }
    }

    fn get(&self, id: &str) -> Option<(Instant, Option<Instant>)> {
        self.lock().get(id).copied()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Option<Instant>)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What the fleet saw, summed over its sockets.
#[derive(Default)]
pub struct Seen {
    pub frames: AtomicU64,
    /// A change whose position was not above the socket's last one (a duplicate or a reorder).
    pub out_of_order: AtomicU64,
    pub resyncs: AtomicU64,
    /// Microseconds since the fleet started, of the last frame anyone received.
    pub last_frame_us: AtomicU64,
    /// Milliseconds from the command sent / answered to the change at a sampled socket.
    pub from_sent_ms: Mutex<Vec<f64>>,
    pub from_answered_ms: Mutex<Vec<f64>>,
}

pub struct Fleet {
    pub seen: Arc<Seen>,
    /// Each socket's last position seen whole, for resumes.
    pub last: Vec<Arc<AtomicU64>>,
    tasks: Vec<JoinHandle<()>>,
    started: Instant,
}

/// A small read buffer: the generator holds thousands of sockets too.
pub fn client_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096)
}

impl Fleet {
    /// Opens `count` sockets (at most `parallel` handshakes at once), each subscribed to `topic`
    /// after its `after`, and answers once all are subscribed.
    pub async fn open(
        url: &str,
        count: usize,
        topic: &str,
        after: &[Option<u64>],
        sample_every: usize,
        sent: Arc<Sent>,
    ) -> anyhow::Result<Fleet> {
        let seen = Arc::new(Seen::default());
        let started = Instant::now();
        let mut tasks = vec![];
        let mut last = vec![];
        let (ready, mut subscribed) =
            tokio::sync::mpsc::channel::<anyhow::Result<()>>(count.max(1));
        for n in 0..count {
            let position = Arc::new(AtomicU64::new(after.get(n).copied().flatten().unwrap_or(0)));
            last.push(position.clone());
            let socket = Socket {
                url: url.to_owned(),
                topic: topic.to_owned(),
                after: after.get(n).copied().flatten(),
                sampled: sample_every > 0 && n % sample_every == 0,
                seen: seen.clone(),
                sent: sent.clone(),
                last: position,
                started,
            };
            tasks.push(tokio::spawn(socket.run(ready.clone())));
        }
        for _ in 0..count {
            match subscribed.recv().await {
                Some(Ok(())) => {}
                Some(Err(error)) => return Err(error),
                None => anyhow::bail!("a socket ended before it subscribed"),
            }
        }
        Ok(Fleet {
            seen,
            last,
            tasks,
            started,
        })
    }

    /// Waits until `expected` frames arrived in all, or nothing arrived for `quiet`.
    pub async fn drain(&self, expected: u64, quiet: Duration) {
        let mut before = self.seen.frames.load(Ordering::Relaxed);
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let now = self.seen.frames.load(Ordering::Relaxed);
            if now >= expected {
                return;
            }
            if now == before {
                let idle = self.started.elapsed().as_micros() as u64
                    - self.seen.last_frame_us.load(Ordering::Relaxed);
                if idle > quiet.as_micros() as u64 {
                    return;
                }
            }
            before = now;
        }
    }

    /// The instant of the last frame received.
    pub fn last_frame(&self) -> Instant {
        self.started + Duration::from_micros(self.seen.last_frame_us.load(Ordering::Relaxed))
    }

    /// Cuts every socket at once (no close handshake: as a network would).
    pub fn cut(self) -> (Arc<Seen>, Vec<u64>) {
        for task in &self.tasks {
            task.abort();
        }
        let last = self.last.iter().map(|p| p.load(Ordering::SeqCst)).collect();
        (self.seen, last)
    }
}

struct Socket {
    url: String,
    topic: String,
    after: Option<u64>,
    sampled: bool,
    seen: Arc<Seen>,
    sent: Arc<Sent>,
    last: Arc<AtomicU64>,
    started: Instant,
}

impl Socket {
    async fn run(self, ready: tokio::sync::mpsc::Sender<anyhow::Result<()>>) {
        let connected =
            tokio_tungstenite::connect_async_with_config(&self.url, Some(client_config()), true)
                .await;
        let mut socket = match connected {
            Ok((socket, _)) => socket,
            Err(error) => {
                let _ = ready.send(Err(error.into())).await;
                return;
            }
        };
        let mut subscribe = serde_json::json!({ "op": "subscribe", "topic": self.topic });
        if let Some(after) = self.after {
            subscribe["after"] = after.into();
        }
        if socket
            .send(Message::Text(subscribe.to_string().into()))
            .await
            .is_err()
        {
            let _ = ready.send(Err(anyhow::anyhow!("subscribe failed"))).await;
            return;
        }
        let mut ready = Some(ready);
        while let Some(Ok(message)) = socket.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            if text.starts_with("{\"op\":\"subscribed\"") {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Ok(())).await;
                }
                continue;
            }
            self.on_frame(text.as_str());
        }
    }

    fn on_frame(&self, text: &str) {
        let now = Instant::now();
        self.seen.frames.fetch_add(1, Ordering::Relaxed);
        let at = (now - self.started).as_micros() as u64;
        self.seen.last_frame_us.fetch_max(at, Ordering::Relaxed);
        if text.starts_with("{\"op\":\"resync\"") {
            self.seen.resyncs.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let Some(position) = field_u64(text, "\"position\":") else {
            return;
        };
        if position <= self.last.load(Ordering::Relaxed) {
            self.seen.out_of_order.fetch_add(1, Ordering::Relaxed);
        }
        if !text.contains("\"more\":true") {
            self.last.store(position, Ordering::Relaxed);
        }
        if self.sampled {
            self.time(text, now);
        }
    }

    /// The post's latency from its command, read from the frame's `data.id`.
    fn time(&self, text: &str, now: Instant) {
        let Ok(frame) = serde_json::from_str::<serde_json::Value>(text) else {
            return;
        };
        let Some((sent, answered)) = frame["data"]["id"]
            .as_str()
            .and_then(|id| self.sent.get(id))
        else {
            return;
        };
        let ms = |from: Instant| now.saturating_duration_since(from).as_secs_f64() * 1000.0;
        push(&self.seen.from_sent_ms, ms(sent));
        if let Some(answered) = answered {
            push(&self.seen.from_answered_ms, ms(answered));
        }
    }
}

fn push(samples: &Mutex<Vec<f64>>, value: f64) {
    samples
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(value);
}

/// The integer after `key` in a frame's text, without parsing the frame.
fn field_u64(text: &str, key: &str) -> Option<u64> {
    let start = text.find(key)? + key.len();
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// The p-th percentile (0–100) of samples, in their unit.
pub fn percentile(samples: &Mutex<Vec<f64>>, p: f64) -> f64 {
    let mut values = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values[rank]
}
