//! The home timeline, fanned out on write: when someone posts, a row goes into the home of the author
//! and of each follower (and of each person mentioned); a repost goes to the reposter's followers;
//! a follow copies the followee's latest posts in, an unfollow takes them out. Rows are keyed
//! `home:[owner, -position]` (the position of the event that put the item there), so a page is one
//! key-range scan; the post itself is read from the timeline read model, which knows whether it is
//! still visible and its counts. See docs/read-side.md for how the most-followed authors fare.
//!
//! The projector keeps its own copy of the follow graph (`home_follower:[followee, follower]`) and
//! of each author's posts (`home_authored:[author, -position]`), so it never reads another read
//! model's tables (each is rebuilt on its own).

use super::keys::{minus, newest_first, quote, range_after};
use crate::aggregate::DomainEvent;
use crate::db::{self, Db};
use crate::live::Change;
use crate::projections::{Generation, Output, Projector, Scope};
use crate::social::domain::{post, Event};
use app::wire::{ChangeKind, Envelope};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use uuid::Uuid;

pub const NAME: &str = "home";

/// How many of a followee's latest posts a new follow copies into the follower's home.
pub const BACKFILL: usize = 20;

pub struct Home;

const SCHEMA: &str = "
DEFINE TABLE IF NOT EXISTS home{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS home_follower{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS home_authored{g} SCHEMALESS;
";

impl Projector for Home {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        1
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    fn tables(&self) -> &'static [&'static str] {
        &["home", "home_follower", "home_authored"]
    }

    fn apply<'a>(
        &'a self,
        scope: Scope<'a>,
        events: &'a [Envelope],
        out: &'a mut Output,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(apply(scope, events, out))
    }
}

/// One row of a home.
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    /// The post's key in the timeline read model (minus its position).
    pub post: i64,
    pub author: String,
    pub why: String,
    #[serde(default)]
    pub by: Option<String>,
    /// The position of the event that put the item here.
    pub why_at: u64,
    /// The item's place in the home (its key): the event's position, or for posts copied in by a
    /// follow the post's own.
    pub position: u64,
}

struct Batch {
    /// Followers of each author, as committed plus this batch's follows and unfollows so far.
    followers: HashMap<String, BTreeSet<String>>,
    rows: Vec<Value>,
    changes: Vec<(String, u64, Value)>,
    /// Posts created in this batch: id → (key, author), in order.
    created: Vec<(Uuid, i64, String)>,
    edges: Vec<(String, String, bool)>,
    unfollowed: Vec<(String, String)>,
    follows: Vec<(String, String, u64)>,
}

async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let g = scope.generation;
    let parsed: Vec<(Event, &Envelope)> = events
        .iter()
        .map(|e| Ok((Event::from_parts(&e.event_type, &e.data)?, e)))
        .collect::<anyhow::Result<_>>()?;
    // Whose followers the batch needs: everyone who posts or reposts in it, read once.
    let mut posters: BTreeSet<String> = BTreeSet::new();
    let mut reposted: Vec<String> = vec![];
    for (event, _) in &parsed {
        match event {
            Event::PostCreated { author, .. } => {
                posters.insert(author.clone());
            }
            Event::PostReposted { by, post_id, .. } => {
                posters.insert(by.clone());
                reposted.push(post::stream(*post_id));
            }
            _ => {}
        }
    }
    let mut b = Batch {
        followers: followers_of(scope.db, g, &posters).await?,
        rows: vec![],
        changes: vec![],
        created: vec![],
        edges: vec![],
        unfollowed: vec![],
        follows: vec![],
    };
    let originals = scope.store.first_positions(&reposted).await?;
    for (event, envelope) in parsed {
        let position = envelope.position;
        match event {
            Event::PostCreated {
                post_id,
                author,
                reply_to,
                mentions,
                ..
            } => {
                let key = minus(position);
                b.created.push((post_id, key, author.clone()));
                let mut reached = HashSet::new();
                b.put(&author, (post_id, key), &author, "own", None, position);
                reached.insert(author.clone());
                // Replies reach the people mentioned, not every follower.
                if reply_to.is_none() {
                    let followers: Vec<String> = b.followers_now(&author);
                    for follower in followers {
                        b.put(
                            &follower,
                            (post_id, key),
                            &author,
                            "follow",
                            Some(&author),
                            position,
                        );
                        reached.insert(follower);
                    }
                }
                for mentioned in mentions {
                    if reached.insert(mentioned.clone()) {
                        b.put(
                            &mentioned,
                            (post_id, key),
                            &author,
                            "mention",
                            Some(&author),
                            position,
                        );
                    }
                }
            }
            Event::PostReposted {
                post_id,
                by,
                author,
                ..
            } => {
                let key = b
                    .created
                    .iter()
                    .find(|(id, _, _)| *id == post_id)
                    .map(|(_, key, _)| *key)
                    .or_else(|| originals.get(&post::stream(post_id)).map(|p| minus(*p)));
                if let Some(key) = key {
                    for follower in b.followers_now(&by) {
                        if follower != author {
                            b.put(
                                &follower,
                                (post_id, key),
                                &author,
                                "repost",
                                Some(&by),
                                position,
                            );
                        }
                    }
                }
            }
            Event::UserFollowed { follower, followee } => {
                b.followers
                    .entry(followee.clone())
                    .or_default()
                    .insert(follower.clone());
                b.edges.push((followee.clone(), follower.clone(), true));
                b.follows.push((follower, followee, position));
            }
            Event::UserUnfollowed { follower, followee } => {
                if let Some(set) = b.followers.get_mut(&followee) {
                    set.remove(&follower);
                }
                b.edges.push((followee.clone(), follower.clone(), false));
                b.unfollowed.push((follower, followee));
            }
            _ => {}
        }
    }
    backfill(scope, &mut b).await?;
    if scope.live {
        out.changes = std::mem::take(&mut b.changes)
            .into_iter()
            .map(|(owner, position, data)| Change {
                topic: format!("home:{owner}"),
                position,
                kind: ChangeKind::Upsert,
                data,
            })
            .collect();
    }
    write(g, b, out);
    Ok(())
}

impl Batch {
    fn followers_now(&self, author: &str) -> Vec<String> {
        self.followers
            .get(author)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// An item in `owner`'s home, placed at `place` (minus a position) and caused at `position`.
    #[allow(clippy::too_many_arguments)]
    fn put_at(
        &mut self,
        owner: &str,
        place: i64,
        (post_id, post): (Uuid, i64),
        author: &str,
        why: &str,
        by: Option<&str>,
        position: u64,
    ) {
        self.rows.push(json!({
            "id": [owner, place], "post": post, "post_id": post_id, "author": author, "why": why,
            "by": by, "why_at": position,
        }));
        // The live change names the post; the page reads it from the timeline (its counts, its
        // visibility), as a query would.
        self.changes.push((
            owner.to_owned(),
            position,
            json!({ "post_id": post_id, "why": { "kind": why, "handle": by, "position": position } }),
        ));
    }

    fn put(
        &mut self,
        owner: &str,
        post: (Uuid, i64),
        author: &str,
        why: &str,
        by: Option<&str>,
        position: u64,
    ) {
        self.put_at(owner, minus(position), post, author, why, by, position);
    }
}

/// The committed followers of these authors, one range scan each, in one round trip.
async fn followers_of(
    db: &Db,
    g: Generation,
    authors: &BTreeSet<String>,
) -> anyhow::Result<HashMap<String, BTreeSet<String>>> {
    if authors.is_empty() {
        return Ok(HashMap::new());
    }
    let table = g.table("home_follower");
    let sql: String = authors
        .iter()
        .map(|author| {
            format!(
                "SELECT VALUE record::id(id)[1] FROM {};",
                range_after(&table, author, None)
            )
        })
        .collect();
    let mut results = db::run(db, sql, Value::Null).await?;
    let mut followers = HashMap::new();
    for (i, author) in authors.iter().enumerate() {
        let rows: Vec<Value> = results.take(i)?;
        let set = rows
            .into_iter()
            .filter_map(|h| h.as_str().map(str::to_owned))
            .collect();
        followers.insert(author.clone(), set);
    }
    Ok(followers)
}

/// A new follow copies the followee's latest posts in (as of the follow: the committed ones and
/// those of this batch before it), each placed where the post belongs in time.
async fn backfill(scope: Scope<'_>, b: &mut Batch) -> anyhow::Result<()> {
    let authored = scope.generation.table("home_authored");
    for (follower, followee, position) in std::mem::take(&mut b.follows) {
        let sql = format!(
            "SELECT record::id(id)[1] AS key, post_id FROM {} LIMIT {BACKFILL}",
            newest_first(&authored, &followee, None)
        );
        let mut posts: Vec<(i64, Uuid)> = db::rows(scope.db, sql, Value::Null)
            .await?
            .into_iter()
            .filter_map(|row| {
                let post_id = Uuid::parse_str(row["post_id"].as_str()?).ok()?;
                Some((row["key"].as_i64()?, post_id))
            })
            .collect();
        posts.extend(
            b.created
                .iter()
                .filter(|(_, key, author)| *author == followee && key.unsigned_abs() < position)
                .map(|(post_id, key, _)| (*key, *post_id)),
        );
        posts.sort_unstable();
        posts.dedup();
        for (key, post_id) in posts.into_iter().take(BACKFILL) {
            let by = Some(followee.as_str());
            b.put_at(
                &follower,
                key,
                (post_id, key),
                &followee,
                "follow",
                by,
                position,
            );
        }
    }
    Ok(())
}

fn write(g: Generation, b: Batch, out: &mut Output) {
    let writes = &mut out.writes;
    let home = g.table("home");
    for (followee, follower, on) in &b.edges {
        let key = format!(
            "type::record('{}', [{}, {}])",
            g.table("home_follower"),
            quote(followee),
            quote(follower)
        );
        if *on {
            writes.push(format!("UPSERT {key} RETURN NONE"));
        } else {
            writes.push(format!("DELETE {key} RETURN NONE"));
        }
    }
    // An unfollow takes the followee's items out of the follower's home (posts and their reposts).
    for (follower, followee) in &b.unfollowed {
        let range = newest_first(&home, follower, None);
        let by = writes.bind(followee.clone());
        writes.push(format!(
            "DELETE {range} WHERE why != 'own' AND why != 'mention' AND (author = {by} OR by = {by}) RETURN NONE"
        ));
    }
    if !b.created.is_empty() {
        let rows: Vec<Value> = b
            .created
            .iter()
            .map(|(post_id, key, author)| json!({ "id": [author, key], "post_id": post_id }))
            .collect();
        let rows = writes.bind(rows);
        writes.push(format!(
            "INSERT IGNORE INTO {} {rows} RETURN NONE",
            g.table("home_authored")
        ));
    }
    if !b.rows.is_empty() {
        let rows = writes.bind(b.rows);
        writes.push(format!("INSERT IGNORE INTO {home} {rows} RETURN NONE"));
    }
}

/// Items of `owner`'s home, newest first, below `cursor`.
pub async fn items(
    db: &Db,
    g: Generation,
    owner: &str,
    cursor: Option<u64>,
    limit: usize,
) -> anyhow::Result<Vec<Item>> {
    let range = newest_first(&g.table("home"), owner, cursor);
    let sql = format!(
        "SELECT post, author, why, by, why_at, -record::id(id)[1] AS position FROM {range} LIMIT {limit}"
    );
    Ok(db::rows(db, sql, Value::Null)
        .await?
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()?)
}
