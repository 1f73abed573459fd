//! The most-followed authors, written once instead of into every follower's home (the hybrid of
//! Twitter's timelines; docs/read-side.md, "The home timeline and the most-followed authors").
//!
//! An author becomes *wide* at a post or repost made with [`wide_at`] followers or more; the mark
//! is sticky, so no post is ever in neither place. A wide author's posts and reposts are one row
//! each, `home_wide_post:[author, -position]`; `home_wide_followed:[follower, author]` says whose
//! rows a home merges in (written for every follower at the mark, then on each follow, deleted on
//! an unfollow). Their posts from before the mark stay where they were fanned out.
//!
//! Live, the same: a wide author's post is one change on their source topic `home_wide:<author>`,
//! which reaches the `home` of every follower through the hub's memberships (`crate::live::
//! Membership`): joined at the mark, and on each follow; left on an unfollow. A follow or unfollow
//! changes what the follower's home merges in, which no frame says: their home refetches.

use crate::db::{self, Db};
use crate::live::Membership;
use crate::projections::keys::{minus, Key};
use crate::projections::{Generation, Writes};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;
use uuid::Uuid;

/// Followers from which an author's posts are written once, not once per follower. At 1,000 a post
/// costs a fanned-out author ~2,000 rows (home and journal) in one commit, tens of milliseconds;
/// in the seeded 10,000-person network (zipf-1.1 follows) the weights put about seven authors above
/// it, so a home page merges a handful of key ranges at most.
pub const WIDE_AT: usize = 1_000;

/// [`WIDE_AT`], or `AGORA_HOME_WIDE_AT` where an operator set another (a measurement sets it past
/// every author to compare with plain fan-out). Homes read the same either way; only where their
/// rows are kept differs.
pub fn wide_at() -> usize {
    static AT: OnceLock<usize> = OnceLock::new();
    *AT.get_or_init(|| {
        std::env::var("AGORA_HOME_WIDE_AT")
            .ok()
            .and_then(|at| at.parse().ok())
            .unwrap_or(WIDE_AT)
    })
}

/// The family of the wide authors' source topics.
pub const SOURCES: &str = "home_wide";

/// The source topic of a wide author's posts and reposts.
pub fn source(author: &str) -> String {
    format!("{SOURCES}:{author}")
}

/// The hub's topic of a person's home.
pub fn member(owner: &str) -> String {
    format!("home:{owner}")
}

/// What a generation's `home_wide_followed` rows say: each follower's home is a member of the
/// sources of the wide authors they follow.
pub async fn memberships(db: &Db, g: Generation) -> anyhow::Result<Vec<(String, String)>> {
    let sql = format!(
        "SELECT VALUE record::id(id) FROM {}",
        g.table("home_wide_followed")
    );
    let rows = db::rows(db, sql, Value::Null).await?;
    Ok(rows
        .iter()
        .filter_map(|key| {
            let (follower, author) = (key[0].as_str()?, key[1].as_str()?);
            Some((member(follower), source(author)))
        })
        .collect())
}

/// The wide authors a batch knows of, and what it writes for them.
#[derive(Default)]
pub struct Wide {
    /// Wide author → the position at which they were marked.
    marked: HashMap<String, u64>,
    new_marks: Vec<(String, u64)>,
    posts: Vec<Value>,
    /// (follower, author, followed or not), in the order of the events.
    followed: Vec<(String, String, bool)>,
    /// The same, as the hub's memberships.
    pub memberships: Vec<Membership>,
}

impl Wide {
    /// The marks of these people, one key lookup each, in one round trip.
    pub async fn of(db: &Db, g: Generation, people: &BTreeSet<String>) -> anyhow::Result<Wide> {
        if people.is_empty() {
            return Ok(Wide::default());
        }
        let table = g.table("home_wide");
        let keys: Vec<String> = people.iter().map(|who| Key::text(&table, who)).collect();
        let sql = format!(
            "SELECT record::id(id) AS author, since FROM [{}]",
            keys.join(", ")
        );
        let marked = db::rows(db, sql, Value::Null)
            .await?
            .into_iter()
            .filter_map(|row| Some((row["author"].as_str()?.to_owned(), row["since"].as_u64()?)))
            .collect();
        Ok(Wide {
            marked,
            ..Wide::default()
        })
    }

    /// Where `author`'s posts from `position` on go: true if they are (or, with these followers,
    /// now become) wide. Marking writes a `home_wide_followed` row for every follower.
    pub fn is_wide(&mut self, author: &str, followers: &[String], position: u64) -> bool {
        if self.marked.contains_key(author) {
            return true;
        }
        if followers.len() < wide_at() {
            return false;
        }
        self.marked.insert(author.to_owned(), position);
        self.new_marks.push((author.to_owned(), position));
        for follower in followers {
            self.followed
                .push((follower.clone(), author.to_owned(), true));
            // Nothing changes in their homes yet: the post that follows is their first change.
            self.join(follower, author, position, true, false);
        }
        true
    }

    fn join(&mut self, follower: &str, author: &str, position: u64, joined: bool, refetch: bool) {
        self.memberships.push(Membership {
            member: member(follower),
            source: source(author),
            position,
            joined,
            refetch,
        });
    }

    /// The position at which `author` was marked wide, if they are.
    pub fn since(&self, author: &str) -> Option<u64> {
        self.marked.get(author).copied()
    }

    /// A follow or an unfollow at `position`: of a wide author, it changes whose rows the
    /// follower's home merges, and so the home refetches.
    pub fn follow(&mut self, follower: &str, author: &str, on: bool, position: u64) {
        if self.marked.contains_key(author) {
            self.followed
                .push((follower.to_owned(), author.to_owned(), on));
            self.join(follower, author, position, on, true);
        }
    }

    /// A wide author's post (why `follow`) or repost (why `repost`, `by` the reposter), once.
    pub fn put(
        &mut self,
        by: &str,
        position: u64,
        (post_id, post): (Uuid, i64),
        author: &str,
        why: &str,
    ) {
        self.posts.push(json!({
            "id": [by, minus(position)], "post": post,
            "post_id": post_id, "author": author, "why": why, "by": by, "why_at": position,
        }));
    }

    pub fn write(self, g: Generation, writes: &mut Writes) {
        let marks: Vec<Value> = self
            .new_marks
            .iter()
            .map(|(author, since)| json!({ "id": author, "since": since }))
            .collect();
        writes.insert_rows(&g.table("home_wide"), marks);
        let followed = self.followed.into_iter();
        let followed = followed.map(|(follower, author, on)| (json!([follower, author]), on));
        writes.set_keys(&g.table("home_wide_followed"), followed);
        writes.insert_rows(&g.table("home_wide_post"), self.posts);
    }
}
