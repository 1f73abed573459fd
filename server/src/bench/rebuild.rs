//! `bench rebuild` generates a realistic log (people signing up, following, posting, replying,
//! liking, renaming themselves, reporting), then rebuilds every read model from zero, and in the same run measures the
//! raw rate of reading the event table in position order with the same page size.

use super::{fresh, open_store, Sealing};
use crate::aggregate::DomainEvent;
use crate::live::Hub;
use crate::projections::Projections;
use crate::social::domain::text::parse;
use crate::social::domain::Event;
use app::wire::{Envelope, EnvelopeMetadata};
use serde::Serialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The page size of both the raw read and the rebuild's catch-up.
const PAGE: usize = 500;
const CHUNK: usize = 10_000;

#[derive(Debug, Serialize)]
pub struct RebuildReport {
    pub events: u64,
    /// Whether the log's personal data was sealed (as the server writes it) or in the open.
    pub sealed: bool,
    pub generate_s: f64,
    pub raw_read_events_per_s: f64,
    pub rebuild_events_per_s: f64,
    /// Rebuild rate ÷ raw read rate.
    pub ratio: f64,
    pub per_projector: Vec<ProjectorRebuild>,
}

/// When one projector of the rebuild reached the head, all of them running side by side.
#[derive(Debug, Serialize)]
pub struct ProjectorRebuild {
    pub name: String,
    pub seconds: f64,
    pub events_per_s: f64,
}

pub async fn rebuild(base: &str, events: u64, sealing: Sealing) -> anyhow::Result<RebuildReport> {
    let (_, db) = fresh(base, "bench-rebuild").await?;
    let registry = crate::contexts::registry();
    let store = open_store(db, &registry, sealing).await?;
    let started = Instant::now();
    let mut log = Log::default();
    while log.position < events {
        let chunk: Vec<Envelope> = (0..CHUNK.min((events - log.position) as usize))
            .map(|_| log.next())
            .collect();
        store.import(&chunk).await?;
    }
    let generate_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut position = 0;
    while position < events {
        position = store
            .read_all(position, PAGE)
            .await?
            .last()
            .map_or(events, |e| e.position);
    }
    let raw = events as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    // As the server starts: the hub's floor is the head, so history is not pushed to anyone.
    let hub = Hub::without_sockets(store.head());
    let projectors = crate::projections::runtime_projectors(&registry);
    let names: Vec<&'static str> = projectors.iter().map(|p| p.name()).collect();
    let projections = Projections::start(&store, hub, projectors).await?;
    // When each projector reached the head: they run side by side, so the slowest sets the rate
    // and the others show how far behind it they were.
    let mut finished: Vec<Option<f64>> = vec![None; names.len()];
    while finished.iter().any(Option::is_none) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        for (name, done) in names.iter().zip(finished.iter_mut()) {
            if done.is_none() && projections.position(name) >= events {
                *done = Some(started.elapsed().as_secs_f64());
            }
        }
    }
    let rebuild = events as f64 / started.elapsed().as_secs_f64();
    let per_projector = names
        .iter()
        .zip(&finished)
        .map(|(name, seconds)| {
            let seconds = seconds.unwrap_or_default();
            ProjectorRebuild {
                name: (*name).to_owned(),
                seconds,
                events_per_s: events as f64 / seconds.max(f64::EPSILON),
            }
        })
        .collect();
    Ok(RebuildReport {
        events,
        sealed: sealing == Sealing::Sealed,
        generate_s,
        raw_read_events_per_s: raw,
        rebuild_events_per_s: rebuild,
        ratio: rebuild / raw,
        per_projector,
    })
}

/// A deterministic stream of plausible events.
#[derive(Default)]
struct Log {
    position: u64,
    users: Vec<String>,
    posts: Vec<Uuid>,
    authors: HashMap<Uuid, String>,
    versions: HashMap<String, u64>,
    /// Follows and likes that hold: the next one on the same pair is its undoing.
    follows: std::collections::HashSet<(usize, usize)>,
    likes: std::collections::HashSet<(usize, Uuid)>,
}

impl Log {
    fn next(&mut self) -> Envelope {
        let n = self.position;
        let pick = |len: usize, salt: u64| {
            (n.wrapping_mul(2654435761).wrapping_add(salt) % len as u64) as usize
        };
        let (stream, event) = match n % 20 {
            _ if self.users.len() < 10 || n.is_multiple_of(50) => {
                let handle = format!("user{}", self.users.len());
                self.users.push(handle.clone());
                let event = Event::UserRegistered {
                    user_id: Uuid::now_v7(),
                    display_name: format!("User {}", self.users.len()),
                    handle: handle.clone(),
                };
                (format!("user-{handle}"), event)
            }
            1 => {
                let handle = self.users[pick(self.users.len(), 1)].clone();
                let event = Event::ProfileUpdated {
                    handle: handle.clone(),
                    display_name: Some(format!("Renamed {n}")),
                    bio: None,
                };
                (format!("user-{handle}"), event)
            }
            // Follows lean to the first people, so followers follow a power law.
            3..=5 => {
                let follower = pick(self.users.len(), 7);
                let followee = pick(pick(self.users.len(), 8) + 1, 9);
                let (a, b) = (self.users[follower].clone(), self.users[followee].clone());
                let event = if self.follows.remove(&(follower, followee)) {
                    Event::UserUnfollowed {
                        follower: a.clone(),
                        followee: b.clone(),
                    }
                } else {
                    self.follows.insert((follower, followee));
                    Event::UserFollowed {
                        follower: a.clone(),
                        followee: b.clone(),
                    }
                };
                (format!("follow-{a}.{b}"), event)
            }
            6..=8 if self.posts.len() > 10 => {
                let liker = pick(self.users.len(), 10);
                let post_id = self.posts[pick(self.posts.len(), 11)];
                let (by, author) = (self.users[liker].clone(), self.authors[&post_id].clone());
                let event = if self.likes.remove(&(liker, post_id)) {
                    Event::PostUnliked {
                        post_id,
                        by: by.clone(),
                        author,
                    }
                } else {
                    self.likes.insert((liker, post_id));
                    Event::PostLiked {
                        post_id,
                        by: by.clone(),
                        author,
                    }
                };
                (format!("like-{post_id}.{by}"), event)
            }
            2 if self.posts.len() > 10 => {
                let post_id = self.posts[pick(self.posts.len(), 2)];
                let reporter = self.users[pick(self.users.len(), 3)].clone();
                (
                    format!("post-{post_id}"),
                    Event::PostReported {
                        post_id,
                        reporter,
                        reason: "spam".into(),
                    },
                )
            }
            _ => {
                let post_id = Uuid::now_v7();
                let author = self.users[pick(self.users.len(), 4)].clone();
                let mention = &self.users[pick(self.users.len(), 5)];
                let text = format!("Post {n} for @{mention} about #topic{} and more", n % 37);
                let reply_to = (n.is_multiple_of(3) && !self.posts.is_empty())
                    .then(|| self.posts[pick(self.posts.len(), 6)]);
                let parsed = parse(&text);
                self.posts.push(post_id);
                self.authors.insert(post_id, author.clone());
                let event = Event::PostCreated {
                    post_id,
                    author,
                    text,
                    reply_to,
                    mentions: parsed.mentions,
                    tags: parsed.tags,
                };
                (format!("post-{post_id}"), event)
            }
        };
        self.position += 1;
        let version = self.versions.entry(stream.clone()).or_default();
        *version += 1;
        let (event_type, data) = (event.type_name(), event.data());
        let id = Uuid::now_v7();
        Envelope {
            position: self.position,
            event_id: id,
            stream,
            version: *version,
            event_type: event_type.to_owned(),
            schema: event.schema(),
            data,
            metadata: EnvelopeMetadata {
                command_id: Some(id),
                correlation_id: Some(id),
                causation_id: None,
                actor: None,
                personal: None,
                at: chrono::Utc::now()
                    .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                    .to_string(),
            },
        }
    }
}
