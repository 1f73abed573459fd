//! The end of a `bench social-live` run: wait until the sockets are quiet, then read a sample of
//! the connected people's lists and count the items of the run their socket never received.

use super::children::Child;
use super::social_stream::Stream;
use super::social_traffic::{Acted, Person};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Quiet at the sockets for this long after the last command: everything has arrived.
const QUIET: Duration = Duration::from_secs(3);
/// The connected people who read their lists afterwards, to check nothing was missed.
const CHECKED: usize = 100;

/// Waits until no socket has received anything for [`QUIET`].
pub(super) async fn wait_quiet(streams: &[Arc<Mutex<Stream>>]) {
    let count = || -> usize {
        streams
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).received.len())
            .sum()
    };
    let (mut before, mut since) = (count(), Instant::now());
    while since.elapsed() < QUIET {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = count();
        if now != before {
            (before, since) = (now, Instant::now());
        }
    }
}

/// Items of the run in a sample of the connected people's home and notifications that their
/// socket never received: a post by its id, a notification by its position.
pub(super) async fn check(
    server: &Child,
    people: &[Person],
    streams: &[Arc<Mutex<Stream>>],
    acted: &Acted,
) -> anyhow::Result<(usize, u64, u64)> {
    let client = reqwest::Client::new();
    let step = (people.len() / CHECKED).max(1);
    let (mut checked, mut items, mut missed) = (0, 0, 0);
    for (person, stream) in people.iter().zip(streams).step_by(step) {
        let get = |path: &str| {
            client
                .get(server.url(path))
                .header("cookie", &person.cookie)
                .send()
        };
        let home: Value = get("/api/timeline/home?limit=100").await?.json().await?;
        let notes: Value = get("/api/notifications?limit=100").await?.json().await?;
        let stream = stream.lock().unwrap_or_else(|p| p.into_inner());
        let posts: HashSet<&str> = stream
            .received
            .iter()
            .filter_map(|r| r.post.as_deref())
            .collect();
        let noted: HashSet<u64> = stream
            .received
            .iter()
            .filter(|r| !r.home)
            .map(|r| r.position)
            .collect();
        for item in home["items"].as_array().into_iter().flatten() {
            let Some(id) = item["id"].as_str() else {
                continue;
            };
            let refetched = item["why"]["position"]
                .as_u64()
                .is_some_and(|at| at <= stream.home_refetched_at);
            if acted.posts.contains(id) {
                items += 1;
                missed += u64::from(!posts.contains(id) && !refetched);
            }
        }
        for note in notes["items"].as_array().into_iter().flatten() {
            let Some(position) = note["position"].as_u64() else {
                continue;
            };
            if position > acted.first_position {
                items += 1;
                missed += u64::from(!noted.contains(&position));
            }
        }
        checked += 1;
    }
    Ok((checked, items, missed))
}
