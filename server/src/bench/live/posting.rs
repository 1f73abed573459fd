//! The benchmark's writers: people posting through the real command path (to Agora), or the same
//! frames published straight to the ceiling's broadcast; open loop at a rate, or closed loop.

use super::children::Child;
use super::fleet::Sent;
use app::wire::{ChangeKind, ServerFrame};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Sends in flight at most, in the open loop: past it a send is skipped (and counted), so a
/// saturated server shows as skipped sends, not as a queue in the generator.
const MAX_IN_FLIGHT: usize = 512;

pub struct Outcome {
    pub ok: u64,
    pub errors: u64,
    pub skipped: u64,
    pub took_s: f64,
}

/// Send n leaves at n / rate, for `seconds`.
pub async fn at_rate<F, Fut>(rate: u64, seconds: u64, send: F) -> Outcome
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let started = Instant::now();
    let (mut tasks, mut skipped) = (vec![], 0);
    for n in 0..rate * seconds {
        let due = started + Duration::from_secs_f64(n as f64 / rate as f64);
        tokio::time::sleep_until(due.into()).await;
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            skipped += 1;
            continue;
        };
        tasks.push(holding(permit, send(n)));
    }
    finish(tasks, skipped, started).await
}

/// `count` sends, `in_flight` at a time.
pub async fn closed_loop<F, Fut>(count: usize, in_flight: usize, send: F) -> Outcome
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(in_flight));
    let started = Instant::now();
    let mut tasks = vec![];
    for n in 0..count as u64 {
        let permit = permits.clone().acquire_owned().await.expect("never closed");
        tasks.push(holding(permit, send(n)));
    }
    finish(tasks, 0, started).await
}

/// Runs a send, holding its place in flight until it is answered.
fn holding<Fut>(
    permit: tokio::sync::OwnedSemaphorePermit,
    sending: Fut,
) -> tokio::task::JoinHandle<bool>
where
    Fut: Future<Output = bool> + Send + 'static,
{
    tokio::spawn(async move {
        let ok = sending.await;
        drop(permit);
        ok
    })
}

async fn finish(
    tasks: Vec<tokio::task::JoinHandle<bool>>,
    skipped: u64,
    started: Instant,
) -> Outcome {
    let (mut ok, mut errors) = (0, 0);
    for task in tasks {
        match task.await {
            Ok(true) => ok += 1,
            _ => errors += 1,
        }
    }
    Outcome {
        ok,
        errors,
        skipped,
        took_s: started.elapsed().as_secs_f64(),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(MAX_IN_FLIGHT)
        .build()
        .expect("a client")
}

/// The `name=value` of the session cookie a sign-up or sign-in answered with.
pub fn session_cookie(response: &reqwest::Response) -> anyhow::Result<String> {
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    Ok(cookie.to_owned())
}

/// People who post through `POST /api/commands`.
pub struct Poster {
    client: reqwest::Client,
    base: String,
    cookies: Vec<String>,
}

impl Poster {
    pub async fn sign_up(server: &Child, people: usize) -> anyhow::Result<Poster> {
        let client = client();
        let mut cookies = vec![];
        for n in 0..people {
            let response = client
                .post(server.url("/api/auth/signup"))
                .json(&json!({ "handle": format!("poster{n}"), "password": "bench password", "display_name": format!("Poster {n}") }))
                .send()
                .await?
                .error_for_status()?;
            cookies.push(session_cookie(&response)?);
        }
        Ok(Poster {
            client,
            base: server.url(""),
            cookies,
        })
    }

    /// Posts a while at low concurrency before anything is measured: a fresh server met with a
    /// burst of hundreds of commands at once answers only tens a second until the burst drains
    /// (see docs/live.md), which is not what the steps measure.
    pub async fn warm_up(&self) {
        let sent = Arc::new(Sent::default());
        closed_loop(1000, 16, |n| self.post(n, sent.clone())).await;
    }

    /// Post n, with an id chosen here so the sockets can time it.
    pub fn post(&self, n: u64, sent: Arc<Sent>) -> impl Future<Output = bool> + Send + 'static {
        let id = uuid::Uuid::now_v7().to_string();
        let request = self
            .client
            .post(format!("{}/api/commands", self.base))
            .header("cookie", &self.cookies[n as usize % self.cookies.len()])
            .json(&json!({
                "command_id": uuid::Uuid::now_v7(), "type": "CreatePost",
                "payload": { "post_id": id, "text": format!("post {n} of the live benchmark, long enough to look like one #bench") },
            }));
        async move {
            sent.sent(&id);
            let ok = matches!(request.send().await, Ok(r) if r.status().is_success());
            if ok {
                sent.answered(&id);
            }
            ok
        }
    }

    /// The newest post as its live frame: what the ceiling sends, so both send the same bytes.
    pub async fn latest_frame(&self) -> anyhow::Result<Value> {
        let page: Value = self
            .client
            .get(format!("{}/api/timeline/public?limit=1", self.base))
            .send()
            .await?
            .json()
            .await?;
        page["items"]
            .get(0)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no post to copy"))
    }
}

/// The server's counters of resumes: from the ring, from the journal, resync.
pub async fn resumes(server: &Child) -> anyhow::Result<[u64; 3]> {
    let text = client()
        .get(server.url("/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let count = |from: &str| {
        let key = format!("agora_live_resumes_total{{from=\"{from}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&key))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    Ok([count("ring"), count("journal"), count("resync")])
}

/// The ceiling's writer: a post's frame, as Agora would push it, straight into the broadcast.
pub struct Publisher {
    client: reqwest::Client,
    url: String,
    post: Value,
}

impl Publisher {
    pub fn new(ceiling: &Child, post: Value) -> Publisher {
        Publisher {
            client: client(),
            url: ceiling.url("/publish"),
            post,
        }
    }

    pub fn publish(&self, n: u64, sent: Arc<Sent>) -> impl Future<Output = bool> + Send + 'static {
        let id = uuid::Uuid::now_v7().to_string();
        let mut post = self.post.clone();
        post["id"] = id.clone().into();
        let frame = ServerFrame::Change {
            topic: "public".into(),
            position: n + 1,
            kind: ChangeKind::Upsert,
            data: post,
            more: false,
        };
        let request = self
            .client
            .post(&self.url)
            .body(serde_json::to_string(&frame).expect("frames serialize"));
        async move {
            sent.sent(&id);
            let ok = matches!(request.send().await, Ok(r) if r.status().is_success());
            if ok {
                sent.answered(&id);
            }
            ok
        }
    }
}
