//! `bench live`: fan-out and resume of `/ws`, with Agora in a child process and, in the same run, a
//! ceiling — the same sockets fed the same frames by a bare broadcast (`ceiling.rs`).
//!
//! 1. One topic: `sockets` sockets on `public`, posts through `POST /api/commands` at stepped rates;
//!    frames delivered per second, and each post's latency from its command to a sampled socket.
//! 2. Resume: every socket cut at once while posts go on, then reconnected with `after`; whether
//!    each got exactly what it missed, what answered (the hub's ring or the journal, from the
//!    server's counters), and the time until the last one caught up.
//! 3. Idle sockets: the server's resident memory per socket, and the time to open them all.

pub mod ceiling;
mod children;
mod fleet;
mod posting;
pub mod social;
mod social_check;
mod social_stream;
mod social_traffic;

use children::Child;
use fleet::{percentile, Fleet, Sent};
use posting::Poster;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A sampled socket in this many times each post's latency.
const SAMPLE_EVERY: usize = 20;
const QUIET: Duration = Duration::from_secs(2);

pub struct LiveArgs {
    pub db: String,
    pub sockets: usize,
    pub rates: Vec<u64>,
    pub ceiling_rates: Vec<u64>,
    pub seconds: u64,
    pub idle: usize,
    pub cut_posts: Vec<usize>,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub rate_asked: u64,
    pub posts: u64,
    pub posts_per_s: f64,
    pub skipped: u64,
    pub errors: u64,
    pub frames: u64,
    pub frames_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p50_from_answer_ms: f64,
    pub p99_from_answer_ms: f64,
    pub out_of_order: u64,
    pub resyncs: u64,
}

#[derive(Debug, Serialize)]
pub struct Resume {
    pub sockets: usize,
    pub posts_while_cut: usize,
    pub frames_expected: u64,
    pub frames_received: u64,
    pub out_of_order: u64,
    pub resyncs: u64,
    pub from_ring: u64,
    pub from_journal: u64,
    pub resynced: u64,
    pub caught_up_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct Idle {
    pub sockets: usize,
    pub connect_s: f64,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub kib_per_socket: f64,
}

#[derive(Debug, Serialize)]
pub struct LiveReport {
    pub sockets: usize,
    pub agora: Vec<Step>,
    pub ceiling: Vec<Step>,
    pub peak_frames_per_s: f64,
    pub ceiling_peak_frames_per_s: f64,
    pub peak_ratio: f64,
    pub resume: Vec<Resume>,
    pub idle: Idle,
}

pub async fn live(args: LiveArgs) -> anyhow::Result<LiveReport> {
    let db = super::fresh_url(&args.db, "bench-live");
    let server = Child::start(
        &["serve", "--db", &db, "--admin", "bench_admin"],
        "/tmp/agora-bench-live.log",
    )
    .await?;
    let poster = Poster::sign_up(&server, 8).await?;
    poster.warm_up().await;
    // Its last changes reach the sockets before the first step's sockets open.
    tokio::time::sleep(QUIET).await;

    let agora = steps(&server.ws(), &args, args.rates.iter(), |n, sent| {
        poster.post(n, sent)
    })
    .await?;
    let template = poster.latest_frame().await?;

    let mut resume = vec![];
    for posts in &args.cut_posts {
        resume.push(cut_and_resume(&server, &poster, args.sockets, *posts).await?);
    }
    drop(server);
    // Idle sockets on a server of their own, so nothing else it did is in its memory's growth.
    let db = super::fresh_url(&args.db, "bench-live-idle");
    let server = Child::start(&["serve", "--db", &db], "/tmp/agora-bench-idle.log").await?;
    let idle = idle(&server, args.idle).await?;
    drop(server);

    let ceiling_server =
        Child::start(&["bench", "live-ceiling"], "/tmp/agora-bench-ceiling.log").await?;
    let publisher = posting::Publisher::new(&ceiling_server, template);
    let rates = args.rates.iter().chain(&args.ceiling_rates);
    let ceiling = steps(&ceiling_server.ws(), &args, rates, |n, sent| {
        publisher.publish(n, sent)
    })
    .await?;
    let peak = |steps: &[Step]| steps.iter().map(|s| s.frames_per_s).fold(0.0, f64::max);
    let (peak_frames_per_s, ceiling_peak_frames_per_s) = (peak(&agora), peak(&ceiling));
    Ok(LiveReport {
        sockets: args.sockets,
        peak_ratio: peak_frames_per_s / ceiling_peak_frames_per_s.max(1.0),
        agora,
        ceiling,
        peak_frames_per_s,
        ceiling_peak_frames_per_s,
        resume,
        idle,
    })
}

/// One step a rate, each on a fresh fleet of sockets on `public`.
async fn steps<'a, F, Fut>(
    ws: &str,
    args: &LiveArgs,
    rates: impl Iterator<Item = &'a u64>,
    send: F,
) -> anyhow::Result<Vec<Step>>
where
    F: Fn(u64, Arc<Sent>) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let mut steps = vec![];
    for rate in rates {
        let sent = Arc::new(Sent::default());
        let fleet =
            Fleet::open(ws, args.sockets, "public", &[], SAMPLE_EVERY, sent.clone()).await?;
        // A thousand handshakes just done are not part of the step.
        tokio::time::sleep(QUIET).await;
        let sending = |n| send(n, sent.clone());
        steps.push(step(&fleet, args.sockets, *rate, args.seconds, sending).await);
        fleet.cut();
    }
    Ok(steps)
}

/// One rate: `rate × seconds` sends, open loop; what the fleet received of them.
async fn step<F, Fut>(fleet: &Fleet, sockets: usize, rate: u64, seconds: u64, send: F) -> Step
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let started = Instant::now();
    let outcome = posting::at_rate(rate, seconds, send).await;
    fleet.drain(outcome.ok * sockets as u64, QUIET).await;
    let seen = &fleet.seen;
    let frames = seen.frames.load(Ordering::Relaxed);
    let took = fleet
        .last_frame()
        .saturating_duration_since(started)
        .as_secs_f64()
        .max(1e-3);
    Step {
        rate_asked: rate,
        posts: outcome.ok,
        posts_per_s: outcome.ok as f64 / outcome.took_s.max(1e-3),
        skipped: outcome.skipped,
        errors: outcome.errors,
        frames,
        frames_per_s: frames as f64 / took,
        p50_ms: percentile(&seen.from_sent_ms, 50.0),
        p99_ms: percentile(&seen.from_sent_ms, 99.0),
        p50_from_answer_ms: percentile(&seen.from_answered_ms, 50.0),
        p99_from_answer_ms: percentile(&seen.from_answered_ms, 99.0),
        out_of_order: seen.out_of_order.load(Ordering::Relaxed),
        resyncs: seen.resyncs.load(Ordering::Relaxed),
    }
}

/// Every socket cut at once, `posts` posts while they are away, then all reconnect with `after`.
async fn cut_and_resume(
    server: &Child,
    poster: &Poster,
    sockets: usize,
    posts: usize,
) -> anyhow::Result<Resume> {
    let sent = Arc::new(Sent::default());
    let fleet = Fleet::open(&server.ws(), sockets, "public", &[], 0, sent.clone()).await?;
    let warm = posting::at_rate(50, 1, |n| poster.post(n, sent.clone())).await;
    fleet.drain(warm.ok * sockets as u64, QUIET).await;
    let (_, last) = fleet.cut();
    let before = posting::resumes(server).await?;
    let missed = posting::closed_loop(posts, 64, |n| poster.post(n, sent.clone())).await;
    let started = Instant::now();
    let after: Vec<Option<u64>> = last.iter().map(|p| Some(*p)).collect();
    let resumed = Fleet::open(&server.ws(), sockets, "public", &after, 0, sent).await?;
    let expected = missed.ok * sockets as u64;
    resumed.drain(expected, QUIET).await;
    let caught_up_ms = resumed
        .last_frame()
        .saturating_duration_since(started)
        .as_secs_f64()
        * 1000.0;
    let afterwards = posting::resumes(server).await?;
    let seen = &resumed.seen;
    Ok(Resume {
        sockets,
        posts_while_cut: missed.ok as usize,
        frames_expected: expected,
        frames_received: seen.frames.load(Ordering::Relaxed),
        out_of_order: seen.out_of_order.load(Ordering::Relaxed),
        resyncs: seen.resyncs.load(Ordering::Relaxed),
        from_ring: afterwards[0] - before[0],
        from_journal: afterwards[1] - before[1],
        resynced: afterwards[2] - before[2],
        caught_up_ms,
    })
}

/// `count` sockets that only listen: the server's memory for them and the time to open them all.
async fn idle(server: &Child, count: usize) -> anyhow::Result<Idle> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_before_kib = server.rss_kib();
    let started = Instant::now();
    let fleet = Fleet::open(
        &server.ws(),
        count,
        "public",
        &[],
        0,
        Arc::new(Sent::default()),
    )
    .await?;
    let connect_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after_kib = server.rss_kib();
    fleet.cut();
    Ok(Idle {
        sockets: count,
        connect_s,
        rss_before_kib,
        rss_after_kib,
        kib_per_socket: rss_after_kib.saturating_sub(rss_before_kib) as f64 / count.max(1) as f64,
    })
}

impl LiveReport {
    pub fn print(&self) {
        println!("{} sockets on one topic", self.sockets);
        for (name, steps) in [("agora", &self.agora), ("ceiling", &self.ceiling)] {
            for s in steps.iter() {
                println!(
                    "{name:>8} asked {:>5}/s: {:>6.0} posts/s ({} skipped, {} errors), {:>9.0} frames/s, p50 {:>7.1} ms p99 {:>7.1} ms (from the answer: p50 {:.1} p99 {:.1}), out of order {}, resyncs {}",
                    s.rate_asked, s.posts_per_s, s.skipped, s.errors, s.frames_per_s, s.p50_ms, s.p99_ms,
                    s.p50_from_answer_ms, s.p99_from_answer_ms, s.out_of_order, s.resyncs
                );
            }
        }
        println!(
            "peak {:.0} frames/s, ceiling {:.0} frames/s: {:.0} %",
            self.peak_frames_per_s,
            self.ceiling_peak_frames_per_s,
            self.peak_ratio * 100.0
        );
        for r in &self.resume {
            println!(
                "resume: {} sockets, {} posts while cut: {}/{} frames, out of order {}, resyncs {}; from the ring {}, the journal {}, resync {}; last caught up after {:.0} ms",
                r.sockets, r.posts_while_cut, r.frames_received, r.frames_expected, r.out_of_order, r.resyncs,
                r.from_ring, r.from_journal, r.resynced, r.caught_up_ms
            );
        }
        let i = &self.idle;
        println!(
            "idle: {} sockets open in {:.2} s; RSS {} → {} KiB: {:.1} KiB a socket",
            i.sockets, i.connect_s, i.rss_before_kib, i.rss_after_kib, i.kib_per_socket
        );
    }
}
