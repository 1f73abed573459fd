//! `agora seed`: demo data through the real command path (the domain decides every command, every
//! read model is built by its projector, the log is real): people with a power-law follow graph,
//! posts with replies, mentions and tags, likes and reposts. Deterministic for a given size.
//!
//! Every seeded person's password is [`PASSWORD`]; its hash is computed once and stored for each.

use super::domain::user::{self, User, UserCommand};
use crate::aggregate::Actor;
use crate::commands::{CommandBus, CommandError, Origin};
use crate::credentials::{hash_password, Credentials};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;
use uuid::Uuid;

pub const PASSWORD: &str = "agora-demo";

/// Commands in flight at once (the store's group commit makes them cheap together).
const IN_FLIGHT: usize = 64;
const TAGS: &[&str] = &[
    "rust",
    "eventsourcing",
    "cqrs",
    "surrealdb",
    "leptos",
    "music",
    "coffee",
    "books",
    "travel",
    "photography",
    "cats",
    "running",
    "cooking",
    "news",
    "jobs",
];

#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub users: usize,
    pub posts: usize,
}

/// The handle of the `n`th seeded person: `user0` is the most followed.
pub fn handle(n: usize) -> String {
    format!("user{n}")
}

/// What a seed wrote.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Seeded {
    pub users: usize,
    pub follows: usize,
    pub posts: usize,
    pub likes: usize,
    pub reposts: usize,
    pub commands: u64,
}

struct Runner {
    bus: CommandBus,
    limit: Arc<Semaphore>,
    done: Arc<AtomicU64>,
}

impl Runner {
    /// Runs a command as `who`, at most [`IN_FLIGHT`] at once; a refused one (a rule) is skipped.
    async fn run(&self, who: String, command_type: &'static str, payload: Value) {
        let permit = self.limit.clone().acquire_owned().await.expect("open");
        let (bus, done) = (self.bus.clone(), self.done.clone());
        tokio::spawn(async move {
            let origin = Origin::new(Uuid::now_v7(), Actor::user(&who));
            match bus.submit(origin, command_type, &payload, None).await {
                Ok(_) | Err(CommandError::Rule(_)) => {}
                Err(error) => tracing::warn!(%error, command_type, "seed command failed"),
            }
            done.fetch_add(1, Ordering::Relaxed);
            drop(permit);
        });
    }

    /// Waits for every command sent so far.
    async fn settle(&self) {
        let _all = self
            .limit
            .acquire_many(IN_FLIGHT as u32)
            .await
            .expect("open");
    }
}

/// Zipf-like weights: the `i`th of `n` has weight 1 / (i + 1)^s.
fn zipf(n: usize, s: f64) -> WeightedIndex<f64> {
    WeightedIndex::new((0..n).map(|i| 1.0 / ((i + 1) as f64).powf(s))).expect("weights")
}

pub async fn seed(
    bus: &CommandBus,
    credentials: &Credentials,
    size: Size,
    out: &mut impl Write,
) -> anyhow::Result<Seeded> {
    let mut rng = StdRng::seed_from_u64(7);
    let runner = Runner {
        bus: bus.clone(),
        limit: Arc::new(Semaphore::new(IN_FLIGHT)),
        done: Arc::new(AtomicU64::new(0)),
    };
    let mut seeded = Seeded::default();
    let hash = tokio::task::spawn_blocking(|| hash_password(PASSWORD)).await??;

    progress(out, "people", 0, size.users)?;
    for n in 0..size.users {
        register(bus, credentials, &hash, n).await?;
        if n % 500 == 0 {
            progress(out, "people", n, size.users)?;
        }
    }
    seeded.users = size.users;
    progress(out, "people", size.users, size.users)?;

    // Follows: everyone follows a few people, chosen by popularity, so followers follow a power law.
    let popular = zipf(size.users, 1.1);
    for n in 0..size.users {
        let count = rng.gen_range(3..=30).min(size.users.saturating_sub(1));
        for _ in 0..count {
            let followee = popular.sample(&mut rng);
            if followee != n {
                runner
                    .run(handle(n), "Follow", json!({ "handle": handle(followee) }))
                    .await;
                seeded.follows += 1;
            }
        }
        if n % 500 == 0 {
            progress(out, "follows", n, size.users)?;
        }
    }
    runner.settle().await;

    // Posts: active people post more; a fifth are replies; some mention someone, most carry a tag.
    let active = zipf(size.users, 0.8);
    let tags = zipf(TAGS.len(), 1.0);
    let mut posts: Vec<(Uuid, usize)> = Vec::with_capacity(size.posts);
    for n in 0..size.posts {
        let author = active.sample(&mut rng);
        let post_id = Uuid::now_v7();
        let mut text = format!("Post {n} by {}", handle(author));
        if rng.gen_bool(0.1) {
            text.push_str(&format!(" with @{}", handle(popular.sample(&mut rng))));
        }
        if rng.gen_bool(0.7) {
            text.push_str(&format!(" #{}", TAGS[tags.sample(&mut rng)]));
        }
        let mut payload = json!({ "post_id": post_id, "text": text });
        if !posts.is_empty() && rng.gen_bool(0.2) {
            let (parent, _) = posts[rng.gen_range(posts.len().saturating_sub(1000)..posts.len())];
            payload["reply_to"] = json!(parent);
        }
        runner.run(handle(author), "CreatePost", payload).await;
        posts.push((post_id, author));
        // Likes and reposts of recent posts, by popularity-weighted people.
        for _ in 0..rng.gen_range(0..4) {
            let (post, _) = posts[rng.gen_range(posts.len().saturating_sub(200)..posts.len())];
            let liker = popular.sample(&mut rng);
            runner
                .run(handle(liker), "LikePost", json!({ "post_id": post }))
                .await;
            seeded.likes += 1;
        }
        if rng.gen_bool(0.05) {
            let (post, author) = posts[rng.gen_range(posts.len().saturating_sub(200)..posts.len())];
            let by = popular.sample(&mut rng);
            if by != author {
                runner
                    .run(handle(by), "Repost", json!({ "post_id": post }))
                    .await;
                seeded.reposts += 1;
            }
        }
        if n % 1000 == 0 {
            progress(out, "posts", n, size.posts)?;
        }
    }
    runner.settle().await;
    seeded.posts = size.posts;
    progress(out, "posts", size.posts, size.posts)?;
    writeln!(out)?;
    seeded.commands = runner.done.load(Ordering::Relaxed) + size.users as u64;
    Ok(seeded)
}

async fn register(
    bus: &CommandBus,
    credentials: &Credentials,
    hash: &str,
    n: usize,
) -> anyhow::Result<()> {
    let handle = handle(n);
    if bus
        .load::<User>(&user::stream(&handle))
        .await?
        .0
        .registered
        .is_some()
    {
        return Ok(());
    }
    let user_id = Uuid::now_v7();
    credentials.set_password(user_id, hash).await?;
    let command = UserCommand::Register {
        user_id,
        handle: handle.clone(),
        display_name: Some(format!("User {n}")),
    };
    let origin = Origin::new(Uuid::now_v7(), Actor::user(&handle));
    bus.submit_to::<User>(
        "RegisterUser",
        user::stream(&handle),
        command,
        None,
        &origin,
    )
    .await?;
    Ok(())
}

fn progress(out: &mut impl Write, what: &str, done: usize, total: usize) -> std::io::Result<()> {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    write!(
        out,
        "\r{what:>8} [{}{}] {done}/{total}   ",
        "=".repeat(filled),
        " ".repeat(WIDTH - filled)
    )?;
    out.flush()
}
