//! The people of `bench social-live` and what they do: signed in as seeded people, acting at a
//! fixed rate through `POST /api/commands` — a mix of posts (some mentioning another connected
//! person, some tagged), replies, likes and follows, as a social network's traffic.

use super::children::Child;
use super::posting::at_rate;
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Sign-ins at once (each checks a password hash: CPU-bound on the server).
const SIGN_IN_PARALLEL: usize = 8;
/// Recent posts the likes and replies choose from.
const POOL: usize = 100;

#[derive(Clone)]
pub struct Person {
    pub handle: String,
    pub cookie: String,
}

impl Person {
    /// Signs in `connected` of the `users` seeded people, spread over the follow graph's whole
    /// range (the most followed and the least), each with its own session.
    pub async fn sign_in_spread(
        server: &Child,
        users: usize,
        connected: usize,
    ) -> anyhow::Result<Vec<Person>> {
        let client = reqwest::Client::new();
        let stride = (users / connected.max(1)).max(1);
        let handles: Vec<String> = (0..connected.min(users))
            .map(|n| crate::social::seed::handle(n * stride))
            .collect();
        let url = server.url("/api/auth/signin");
        futures::stream::iter(handles)
            .map(|handle| {
                let (client, url) = (client.clone(), url.clone());
                async move {
                    let response = client
                        .post(url)
                        .json(
                            &json!({ "handle": handle, "password": crate::social::seed::PASSWORD }),
                        )
                        .send()
                        .await?
                        .error_for_status()?;
                    let cookie = super::posting::session_cookie(&response)?;
                    anyhow::Ok(Person { handle, cookie })
                }
            })
            .buffered(SIGN_IN_PARALLEL)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect()
    }
}

/// What the run's commands did.
#[derive(Default)]
pub struct Acted {
    pub ok: u64,
    /// Answered 409 or 422: a rule refused it (following someone already followed, say).
    pub refused: u64,
    pub errors: u64,
    pub skipped: u64,
    pub took_s: f64,
    /// Each answered command's time, in milliseconds.
    pub command_ms: Vec<f64>,
    /// When the command that appended the event at each position was answered (accepted).
    pub accepted: HashMap<u64, Instant>,
    /// The ids of the posts the run created.
    pub posts: HashSet<String>,
    /// The head before the run: what is above it, the run caused.
    pub first_position: u64,
}

/// One command's outcome, as the sending task hands it back.
enum Answer {
    Accepted {
        ms: f64,
        at: Instant,
        positions: Vec<u64>,
        post: Option<String>,
    },
    Refused,
    Failed,
}

pub struct Traffic {
    client: reqwest::Client,
    url: String,
    people: Vec<Person>,
    /// Recent posts' ids, newest last: what likes and replies choose from.
    pool: Arc<Mutex<Vec<String>>>,
    first_position: u64,
}

impl Traffic {
    pub async fn new(server: &Child, people: Vec<Person>) -> anyhow::Result<Traffic> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(512)
            .build()?;
        let page: Value = client
            .get(server.url(&format!("/api/timeline/public?limit={POOL}")))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let pool = page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|post| post["id"].as_str().map(str::to_owned))
            .collect::<Vec<_>>();
        anyhow::ensure!(!pool.is_empty(), "the seeded network has no posts");
        Ok(Traffic {
            client,
            url: server.url("/api/commands"),
            people,
            pool: Arc::new(Mutex::new(pool)),
            first_position: page["position"].as_u64().unwrap_or(0),
        })
    }

    /// `rate` commands a second for `seconds`, open loop.
    pub async fn run(&self, rate: u64, seconds: u64) -> Acted {
        let answers = Arc::new(Mutex::new(Vec::new()));
        let outcome = at_rate(rate, seconds, |n| {
            let sending = self.send(n);
            let answers = answers.clone();
            async move {
                let answer = sending.await;
                let ok = !matches!(answer, Answer::Failed);
                lock(&answers).push(answer);
                ok
            }
        })
        .await;
        let mut acted = Acted {
            skipped: outcome.skipped,
            took_s: outcome.took_s,
            first_position: self.first_position,
            ..Acted::default()
        };
        for answer in std::mem::take(&mut *lock(&answers)) {
            match answer {
                Answer::Accepted {
                    ms,
                    at,
                    positions,
                    post,
                } => {
                    acted.ok += 1;
                    acted.command_ms.push(ms);
                    acted
                        .accepted
                        .extend(positions.into_iter().map(|p| (p, at)));
                    acted.posts.extend(post);
                }
                Answer::Refused => acted.refused += 1,
                Answer::Failed => acted.errors += 1,
            }
        }
        acted
    }

    /// The nth command: who acts and what they do follow from n, so a run is repeatable.
    fn send(&self, n: u64) -> impl std::future::Future<Output = Answer> + Send + 'static {
        let people = self.people.len() as u64;
        let actor = &self.people[(n % people) as usize];
        let other = &self.people[((n * 7919 + 13) % people) as usize];
        let recent = {
            let pool = lock(&self.pool);
            pool[(n as usize * 31) % pool.len()].clone()
        };
        let post_id = uuid::Uuid::now_v7().to_string();
        let (kind, payload, post) = match n % 20 {
            // 35 %: posts — one in three mentions a connected person, one in two is tagged.
            0..=6 => {
                let mention = if n.is_multiple_of(3) {
                    format!(" cc @{}", other.handle)
                } else {
                    String::new()
                };
                let tag = if n.is_multiple_of(2) { " #live" } else { "" };
                let text = format!("note {n} from the social live benchmark{mention}{tag}");
                let payload = json!({ "post_id": post_id, "text": text });
                ("CreatePost", payload, Some(post_id))
            }
            // 15 %: replies to a recent post.
            7..=9 => {
                let payload = json!({ "post_id": post_id, "text": format!("reply {n}: agreed"), "reply_to": recent });
                ("CreatePost", payload, Some(post_id))
            }
            // 35 %: likes of a recent post.
            10..=16 => ("LikePost", json!({ "post_id": recent }), None),
            // 15 %: follows of another connected person.
            _ => ("Follow", json!({ "handle": other.handle }), None),
        };
        let request = self
            .client
            .post(&self.url)
            .header("cookie", &actor.cookie)
            .json(&json!({ "command_id": uuid::Uuid::now_v7(), "type": kind, "payload": payload }));
        let pool = self.pool.clone();
        async move {
            let sent = Instant::now();
            let Ok(response) = request.send().await else {
                return Answer::Failed;
            };
            let status = response.status();
            if status.as_u16() == 409 || status.as_u16() == 422 {
                return Answer::Refused;
            }
            let Ok(body) = response.json::<Value>().await else {
                return Answer::Failed;
            };
            if !status.is_success() {
                return Answer::Failed;
            }
            let at = Instant::now();
            let positions = body["events"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|event| event["position"].as_u64())
                .collect();
            if let Some(post) = &post {
                let mut pool = lock(&pool);
                pool.push(post.clone());
                if pool.len() > POOL {
                    pool.remove(0);
                }
            }
            Answer::Accepted {
                ms: (at - sent).as_secs_f64() * 1e3,
                at,
                positions,
                post,
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
