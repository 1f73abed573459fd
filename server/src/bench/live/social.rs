//! `bench social-live`: live push in the shape of a social network. A seeded network (a power-law
//! follow graph), some of its people connected, each on one socket subscribed to `home` and
//! `notifications`, and those people acting at a fixed rate — posting, replying, mentioning,
//! liking and following — through `POST /api/commands`.
//!
//! Each change a socket receives is matched, by its position, to the command that caused it: the
//! latency is from that command's answer (accepted) to the change at the socket. Every socket
//! checks its own stream: a change twice is a duplicate, a position below one already seen (other
//! than the several changes of one event) is out of order. Afterwards a sample of the connected
//! people read their home and notifications, and every item there that the run caused must have
//! reached their socket.

use super::children::Child;
use super::fleet::client_config;
use super::social_check::{check, wait_quiet};
use super::social_stream::{Order, Stream};
use super::social_traffic::{Acted, Person, Traffic};
use futures::{SinkExt, StreamExt};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub struct SocialArgs {
    pub db: String,
    pub users: usize,
    pub posts: usize,
    pub connected: usize,
    pub rate: u64,
    pub seconds: u64,
    /// An already seeded folder, copied instead of seeding.
    pub seeded: Option<std::path::PathBuf>,
}

#[derive(Debug, Serialize)]
pub struct SocialReport {
    pub users: usize,
    pub seeded_posts: usize,
    pub seed_s: f64,
    pub connected: usize,
    pub connect_s: f64,
    pub rate_asked: u64,
    pub commands: u64,
    pub commands_per_s: f64,
    /// Commands the domain refused (liking twice, following someone followed): part of the mix.
    pub refused: u64,
    pub errors: u64,
    pub skipped: u64,
    pub command_p50_ms: f64,
    pub command_p99_ms: f64,
    pub changes: u64,
    pub changes_per_s: f64,
    /// Changes whose position no command of the run answered (its tail of policies, say).
    pub unattributed: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub resyncs: u64,
    pub checked_people: usize,
    pub checked_items: u64,
    pub missed: u64,
}

pub async fn social_live(args: SocialArgs) -> anyhow::Result<SocialReport> {
    let db = super::super::fresh_url(&args.db, "bench-social-live");
    let seed_started = Instant::now();
    match &args.seeded {
        Some(folder) => copy_seeded(folder, &db).await?,
        None => seed(&db, args.users, args.posts).await?,
    }
    let seed_s = seed_started.elapsed().as_secs_f64();
    let server = Child::start(&["serve", "--db", &db], "/tmp/agora-bench-social.log").await?;
    let people = Person::sign_in_spread(&server, args.users, args.connected).await?;

    let connect_started = Instant::now();
    let streams: Vec<Arc<Mutex<Stream>>> = (0..people.len()).map(|_| Arc::default()).collect();
    let (ready, mut subscribed) = tokio::sync::mpsc::channel(people.len().max(1));
    let sockets: Vec<_> = people
        .iter()
        .zip(&streams)
        .map(|(person, stream)| {
            let (cookie, stream) = (person.cookie.clone(), stream.clone());
            tokio::spawn(listen(server.ws(), cookie, stream, ready.clone()))
        })
        .collect();
    for _ in 0..people.len() {
        subscribed
            .recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("a socket ended before it subscribed"))??;
    }
    let connect_s = connect_started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;

    let traffic = Traffic::new(&server, people.clone()).await?;
    let acted = traffic.run(args.rate, args.seconds).await;
    wait_quiet(&streams).await;
    let missed = check(&server, &people, &streams, &acted).await?;
    for socket in sockets {
        socket.abort();
    }
    Ok(report(&args, seed_s, connect_s, &streams, &acted, missed))
}

/// `agora seed` into `db`, as its own process (the server opens the folder after it).
async fn seed(db: &str, users: usize, posts: usize) -> anyhow::Result<()> {
    let status = tokio::process::Command::new(std::env::current_exe()?)
        .args(["seed", "--db", db, "--users", &users.to_string()])
        .args(["--posts", &posts.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await?;
    anyhow::ensure!(status.success(), "agora seed failed: {status}");
    Ok(())
}

/// A copy of a seeded folder at `db` (a `surrealkv://` URL), so a run leaves the seed as it was.
async fn copy_seeded(folder: &std::path::Path, db: &str) -> anyhow::Result<()> {
    let target = db
        .strip_prefix("surrealkv://")
        .ok_or_else(|| anyhow::anyhow!("--seeded needs a surrealkv:// --db"))?;
    if let Some(parent) = std::path::Path::new(target).parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    let status = tokio::process::Command::new("cp")
        .arg("-a")
        .arg(folder)
        .arg(target)
        .status()
        .await?;
    anyhow::ensure!(
        status.success(),
        "copying {} failed: {status}",
        folder.display()
    );
    Ok(())
}

/// One person's socket on `home` and `notifications`, recording what arrives into `stream`; says
/// on `ready` once both are subscribed.
async fn listen(
    url: String,
    cookie: String,
    stream: Arc<Mutex<Stream>>,
    ready: tokio::sync::mpsc::Sender<anyhow::Result<()>>,
) {
    let opened = async {
        let mut request = url.into_client_request()?;
        request.headers_mut().insert("cookie", cookie.parse()?);
        let config = Some(client_config());
        let (mut socket, _) =
            tokio_tungstenite::connect_async_with_config(request, config, true).await?;
        for topic in ["home", "notifications"] {
            let subscribe = serde_json::json!({ "op": "subscribe", "topic": topic });
            socket
                .send(Message::Text(subscribe.to_string().into()))
                .await?;
        }
        anyhow::Ok(socket)
    };
    let mut socket = match opened.await {
        Ok(socket) => socket,
        Err(error) => {
            let _ = ready.send(Err(error)).await;
            return;
        }
    };
    let (mut waiting, mut ready) = (2, Some(ready));
    let mut order = Order::default();
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let at = Instant::now();
        if text.starts_with("{\"op\":\"subscribed\"") {
            waiting -= 1;
            if waiting == 0 {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Ok(())).await;
                }
            }
            continue;
        }
        let mut stream = stream.lock().unwrap_or_else(|p| p.into_inner());
        order.receive(&text, at, &mut stream);
    }
}

fn report(
    args: &SocialArgs,
    seed_s: f64,
    connect_s: f64,
    streams: &[Arc<Mutex<Stream>>],
    acted: &Acted,
    (checked_people, checked_items, missed): (usize, u64, u64),
) -> SocialReport {
    let (mut latencies, mut unattributed) = (vec![], 0);
    let (mut duplicates, mut out_of_order, mut resyncs) = (0, 0, 0);
    let (mut first, mut last) = (None::<Instant>, None::<Instant>);
    for stream in streams {
        let stream = stream.lock().unwrap_or_else(|p| p.into_inner());
        duplicates += stream.duplicates;
        out_of_order += stream.out_of_order;
        resyncs += stream.resyncs;
        for received in &stream.received {
            let Some(accepted) = acted.accepted.get(&received.position) else {
                unattributed += 1;
                continue;
            };
            latencies.push(
                received
                    .at
                    .saturating_duration_since(*accepted)
                    .as_secs_f64()
                    * 1e3,
            );
            first = Some(first.map_or(received.at, |f| f.min(received.at)));
            last = Some(last.map_or(received.at, |l| l.max(received.at)));
        }
    }
    latencies.sort_by(f64::total_cmp);
    let mut command_ms = acted.command_ms.clone();
    command_ms.sort_by(f64::total_cmp);
    let changes = latencies.len() as u64;
    let span = match (first, last) {
        (Some(first), Some(last)) => (last - first).as_secs_f64().max(1e-3),
        _ => 1.0,
    };
    SocialReport {
        users: args.users,
        seeded_posts: args.posts,
        seed_s,
        connected: args.connected,
        connect_s,
        rate_asked: args.rate,
        commands: acted.ok,
        commands_per_s: acted.ok as f64 / acted.took_s.max(1e-3),
        refused: acted.refused,
        errors: acted.errors,
        skipped: acted.skipped,
        command_p50_ms: rank(&command_ms, 50.0),
        command_p99_ms: rank(&command_ms, 99.0),
        changes,
        changes_per_s: changes as f64 / span,
        unattributed,
        p50_ms: rank(&latencies, 50.0),
        p99_ms: rank(&latencies, 99.0),
        max_ms: latencies.last().copied().unwrap_or(0.0),
        duplicates,
        out_of_order,
        resyncs,
        checked_people,
        checked_items,
        missed,
    }
}

/// The p-th percentile of sorted samples.
fn rank(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((p / 100.0) * (sorted.len() - 1) as f64).round() as usize]
}

impl SocialReport {
    pub fn print(&self) {
        println!(
            "{} people ({} posts seeded in {:.0} s), {} connected on home and notifications in {:.2} s",
            self.users, self.seeded_posts, self.seed_s, self.connected, self.connect_s
        );
        println!(
            "commands: asked {}/s, {} answered ({:.0}/s; {} refused by a rule, {} errors, {} skipped), p50 {:.1} ms p99 {:.1} ms",
            self.rate_asked, self.commands, self.commands_per_s, self.refused, self.errors,
            self.skipped, self.command_p50_ms, self.command_p99_ms
        );
        println!(
            "changes at sockets: {} ({:.0}/s; {} not caused by a command of the run); accepted → socket p50 {:.1} ms p99 {:.1} ms max {:.1} ms",
            self.changes, self.changes_per_s, self.unattributed, self.p50_ms, self.p99_ms, self.max_ms
        );
        println!(
            "duplicates {}, out of order {}, resyncs {}; {} people's lists checked: {} items of the run, {} missed",
            self.duplicates, self.out_of_order, self.resyncs, self.checked_people,
            self.checked_items, self.missed
        );
    }
}
