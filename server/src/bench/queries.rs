//! `bench queries`: a seeded social network (power-law follows) served over HTTP on loopback, and
//! the latency of its queries at a fixed request rate (open loop: requests leave on schedule
//! whatever the answers do), of a server-rendered page, and of the most-followed author's post
//! reaching every follower's home.

use super::fresh;
use crate::social::read_models::home;
use crate::social::seed::{self, Size};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub name: String,
    pub requests: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The p50 of the same requests sent one at a time (no queue): what one request costs.
    pub alone_p50_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct QueriesReport {
    pub users: usize,
    pub posts: usize,
    pub seed_s: f64,
    pub catch_up_s: f64,
    pub requests_per_s: u64,
    pub seconds_each: u64,
    pub queries: Vec<Latency>,
    pub page: Latency,
    /// The most-followed author's post: how many homes it went into, and how long until the home
    /// read model held it in all of them (command answered → projector committed).
    pub fanout_followers: u64,
    pub fanout_ms: f64,
}

pub struct Load {
    pub size: Size,
    pub rate: u64,
    pub seconds: u64,
}

pub async fn queries(base: &str, load: Load) -> anyhow::Result<QueriesReport> {
    let (_, db) = fresh(base, "bench-queries").await?;
    let started = Instant::now();
    {
        let registry = crate::contexts::registry();
        let store = crate::ops::open_on(db.clone(), &registry).await?;
        let credentials = crate::credentials::Credentials::open(db.clone()).await?;
        let bus = registry.command_bus(store);
        seed::seed(&bus, &credentials, load.size, &mut std::io::stderr()).await?;
    }
    let seed_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let options = leptos::prelude::get_configuration(None)?.leptos_options;
    let state = crate::start_on(db, vec![], options).await?;
    while state.projections.min_position() < state.store.head() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let catch_up_s = started.elapsed().as_secs_f64();
    let base_url = super::serve_on_loopback(state.clone()).await?;

    // A hundred people's sessions, most of them among the most followed (who see the busiest homes).
    let mut cookies = vec![];
    for n in 0..100.min(load.size.users) {
        let token = state.credentials.create(&seed::handle(n)).await?;
        cookies.push(crate::credentials::cookie(&token));
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let public: Value = client
        .get(format!("{base_url}/api/timeline/public?limit=100"))
        .send()
        .await?
        .json()
        .await?;
    let posts: Vec<String> = public["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|post| post["id"].as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(!posts.is_empty(), "the seeded timeline is empty");
    let words = ["rust", "post", "coffee", "music", "books by", "user1"];
    let tags = ["rust", "coffee", "music", "books", "cqrs"];
    let target = |kind: &str, n: usize| -> String {
        match kind {
            "home" => "/api/timeline/home".to_owned(),
            "thread" => format!("/api/posts/{}", posts[n % posts.len()]),
            "tag" => format!("/api/tags/{}", tags[n % tags.len()]),
            "notifications" => "/api/notifications?grouped=true".to_owned(),
            "search" => format!(
                "/api/search?q={}",
                words[n % words.len()].replace(' ', "%20")
            ),
            _ => "/home".to_owned(),
        }
    };
    let run = Run {
        client,
        base_url: base_url.clone(),
        cookies: Arc::new(cookies),
    };
    let mut measured = vec![];
    for kind in ["home", "thread", "tag", "notifications", "search"] {
        let paths: Vec<String> = (0..(load.rate * load.seconds) as usize)
            .map(|n| target(kind, n))
            .collect();
        measured.push(run.at_rate(kind, paths, load.rate).await);
    }
    let pages: Vec<String> = (0..(load.rate * load.seconds) as usize)
        .map(|n| target("page", n))
        .collect();
    let page = run.at_rate("page /home", pages, load.rate).await;

    // The most-followed author posts; every follower's home has it once the projector committed.
    let star = state
        .people
        .find(&state.bus, &seed::handle(0))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user0"))?;
    let profile: Value = run
        .client
        .get(format!("{base_url}/api/users/{}", star.user.handle))
        .send()
        .await?
        .json()
        .await?;
    let sent = Instant::now();
    let answer: Value = run
        .client
        .post(format!("{base_url}/api/commands"))
        .header("cookie", &run.cookies[0])
        .json(&serde_json::json!({
            "command_id": uuid::Uuid::now_v7(), "type": "CreatePost",
            "payload": { "text": "a post for everyone who follows me" },
        }))
        .send()
        .await?
        .json()
        .await?;
    let position = answer["position"].as_u64().unwrap_or(0);
    let (reached, _) = state
        .projections
        .wait_for(home::NAME, position, Duration::from_secs(30))
        .await;
    anyhow::ensure!(reached, "the home read model never reached the post");
    let fanout_ms = sent.elapsed().as_secs_f64() * 1000.0;
    state.projections.stop().await;
    Ok(QueriesReport {
        users: load.size.users,
        posts: load.size.posts,
        seed_s,
        catch_up_s,
        requests_per_s: load.rate,
        seconds_each: load.seconds,
        queries: measured,
        page,
        fanout_followers: profile["followers"].as_u64().unwrap_or(0),
        fanout_ms,
    })
}

/// An open-loop load generator over HTTP, sending as the sessions in turn.
pub(super) struct Run {
    pub(super) client: reqwest::Client,
    pub(super) base_url: String,
    pub(super) cookies: Arc<Vec<String>>,
}

impl Run {
    /// Sends `paths` at `rate` a second (request n leaves at n / rate), as the sessions in turn.
    pub(super) async fn at_rate(&self, name: &str, paths: Vec<String>, rate: u64) -> Latency {
        let alone_p50_ms = self.alone(&paths[..paths.len().min(ALONE)]).await;
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(paths.len());
        for (n, path) in paths.into_iter().enumerate() {
            let due = started + Duration::from_secs_f64(n as f64 / rate as f64);
            tokio::time::sleep_until(due.into()).await;
            let request = self
                .client
                .get(format!("{}{path}", self.base_url))
                .header("cookie", &self.cookies[n % self.cookies.len()]);
            tasks.push(tokio::spawn(async move {
                let sent = Instant::now();
                let ok = match request.send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        ok && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                (sent.elapsed(), ok)
            }));
        }
        let mut latencies = vec![];
        let mut errors = 0;
        for task in tasks {
            match task.await {
                Ok((latency, true)) => latencies.push(latency),
                _ => errors += 1,
            }
        }
        latencies.sort_unstable();
        let percentile = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        Latency {
            name: name.to_owned(),
            requests: latencies.len() + errors,
            errors,
            p50_ms: percentile(0.50),
            p99_ms: percentile(0.99),
            alone_p50_ms,
        }
    }

    /// The p50 of `paths` sent one after the other, each after the last answered.
    async fn alone(&self, paths: &[String]) -> f64 {
        let mut latencies = Vec::with_capacity(paths.len());
        for (n, path) in paths.iter().enumerate() {
            let sent = Instant::now();
            let answered = self
                .client
                .get(format!("{}{path}", self.base_url))
                .header("cookie", &self.cookies[n % self.cookies.len()])
                .send()
                .await;
            // Only answers that succeed are timed, as in the run at a rate.
            if let Ok(response) = answered.and_then(|r| r.error_for_status()) {
                if response.bytes().await.is_ok() {
                    latencies.push(sent.elapsed());
                }
            }
        }
        latencies.sort_unstable();
        latencies
            .get(latencies.len() / 2)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// How many of a kind's requests are also sent one at a time.
const ALONE: usize = 200;
