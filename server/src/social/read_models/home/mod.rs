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
//!
//! The most-followed authors are the exception (`wide.rs`): their posts are written once and merged
//! into their followers' homes when read.

use crate::aggregate::decode;
use crate::live::Change;
use crate::projections::keys::{minus, newest_first};
use crate::projections::{Definition, Generation, Output, Scope, Sources};
use crate::social::domain::{post, Event};
use app::wire::{ChangeKind, Envelope};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use uuid::Uuid;

mod follows;
mod items;
mod wide;

use follows::{backfill, followers_of};

pub use items::{items, wide_followees, Item};
use wide::Wide;
pub use wide::{wide_at, SOURCES, WIDE_AT};

pub const NAME: &str = "home";

/// How many of a followee's latest posts a new follow copies into the follower's home.
pub const BACKFILL: usize = 20;

const SCHEMA: &str = "
DEFINE TABLE IF NOT EXISTS home{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS home_follower{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS home_authored{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS home_wide{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS home_wide_followed{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS home_wide_post{g} SCHEMALESS;
";

pub const HOME: Definition = Definition {
    name: NAME,
    // 2: the most-followed authors' posts are written once (`wide.rs`).
    version: 2,
    schema: SCHEMA,
    tables: &[
        "home",
        "home_follower",
        "home_authored",
        "home_wide",
        "home_wide_followed",
        "home_wide_post",
    ],
    in_order: false,
    sources: Some(Sources {
        family: SOURCES,
        load: |db, g| Box::pin(wide::memberships(db, g)),
    }),
    apply: |scope, events, out| Box::pin(apply(scope, events, out)),
};

struct Batch {
    /// Followers of each author, as committed plus this batch's follows and unfollows so far.
    followers: HashMap<String, BTreeSet<String>>,
    rows: Vec<Value>,
    changes: Vec<Change>,
    /// Posts created in this batch: id → (key, author), in order.
    created: Vec<(Uuid, i64, String)>,
    edges: Vec<(String, String, bool)>,
    unfollowed: Vec<(String, String)>,
    follows: Vec<(String, String, u64)>,
    /// Posts that left: no longer copied in by a follow.
    gone: Vec<Uuid>,
    wide: Wide,
}

async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let g = scope.generation;
    let parsed: Vec<(Event, &Envelope)> = events
        .iter()
        .filter_map(|e| {
            decode::<Event>(e)
                .transpose()
                .map(|event| event.map(|event| (event, e)))
        })
        .collect::<Result<_, _>>()?;
    // Whose followers the batch needs: everyone who posts or reposts in it, read once.
    let mut posters: BTreeSet<String> = BTreeSet::new();
    let mut reposted: Vec<String> = vec![];
    // Whose wide marks it needs: theirs, and those of everyone followed or unfollowed in it.
    let mut followees: BTreeSet<String> = BTreeSet::new();
    for (event, _) in &parsed {
        match event {
            Event::PostCreated { author, .. } => {
                posters.insert(author.clone());
            }
            Event::PostReposted { by, post_id, .. } => {
                posters.insert(by.clone());
                reposted.push(post::stream(*post_id));
            }
            Event::UserFollowed { followee, .. } | Event::UserUnfollowed { followee, .. } => {
                followees.insert(followee.clone());
            }
            _ => {}
        }
    }
    followees.extend(posters.iter().cloned());
    let mut b = Batch {
        followers: followers_of(scope.db, g, &posters).await?,
        rows: vec![],
        changes: vec![],
        created: vec![],
        edges: vec![],
        unfollowed: vec![],
        follows: vec![],
        gone: vec![],
        wide: Wide::of(scope.db, g, &followees).await?,
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
                // Only posts (not replies) are copied in by a follow, as only they fan out.
                if reply_to.is_none() {
                    b.created.push((post_id, key, author.clone()));
                }
                let mut reached = HashSet::new();
                b.put(&author, (post_id, key), &author, "own", None, position);
                reached.insert(author.clone());
                // Replies reach the people mentioned, not every follower.
                if reply_to.is_none() {
                    let followers = b.fan_out(&author, (post_id, key), &author, "follow", position);
                    reached.extend(followers);
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
                    b.fan_out(&by, (post_id, key), &author, "repost", position);
                }
            }
            Event::UserFollowed { follower, followee } => {
                b.followers
                    .entry(followee.clone())
                    .or_default()
                    .insert(follower.clone());
                b.edges.push((followee.clone(), follower.clone(), true));
                b.wide.follow(&follower, &followee, true, position);
                b.follows.push((follower, followee, position));
            }
            Event::UserUnfollowed { follower, followee } => {
                if let Some(set) = b.followers.get_mut(&followee) {
                    set.remove(&follower);
                }
                // What this batch put in for the follow goes too (the delete below runs first).
                b.follows
                    .retain(|(f, e, _)| !(*f == follower && *e == followee));
                b.rows.retain(|row| {
                    !(row["id"][0] == json!(follower)
                        && row["by"] == json!(followee)
                        && row["why"] != "mention")
                });
                b.edges.push((followee.clone(), follower.clone(), false));
                b.wide.follow(&follower, &followee, false, position);
                b.unfollowed.push((follower, followee));
            }
            Event::PostHidden { post_id, .. } | Event::PostDeleted { post_id, .. } => {
                b.gone.push(post_id);
            }
            _ => {}
        }
    }
    let gone = authored_keys_of(scope, &b).await?;
    backfill(scope, &mut b).await?;
    out.memberships = std::mem::take(&mut b.wide.memberships);
    std::mem::take(&mut b.wide).write(g, &mut out.writes);
    if scope.live {
        out.changes = std::mem::take(&mut b.changes);
    }
    write(g, b, &gone, out);
    Ok(())
}

/// The `home_authored` keys of the posts that left, found where their streams began.
async fn authored_keys_of(scope: Scope<'_>, b: &Batch) -> anyhow::Result<Vec<Value>> {
    let streams: Vec<String> = b.gone.iter().map(|id| post::stream(*id)).collect();
    let first = scope.store.first_events(&streams).await?;
    Ok(first
        .values()
        .filter_map(|created| {
            let author = created.data.get("author")?.as_str()?;
            Some(json!([author, minus(created.position)]))
        })
        .collect())
}

impl Batch {
    fn followers_now(&self, author: &str) -> Vec<String> {
        self.followers
            .get(author)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// A post (why `follow`) or repost (why `repost`) by `by` to each of their followers but the
    /// post's author (who is not shown a repost of their own post): a row and a live change in
    /// each home, or for a wide author one row merged in when read and one change on their source
    /// topic, which the hub sends to each follower's home. Answers the followers.
    fn fan_out(
        &mut self,
        by: &str,
        post: (Uuid, i64),
        author: &str,
        why: &str,
        position: u64,
    ) -> Vec<String> {
        let followers = self.followers_now(by);
        if self.wide.is_wide(by, &followers, position) {
            self.wide.put(by, position, post, author, why);
            let mut change = announcement(wide::source(by), post.0, why, Some(by), position);
            change.except = (author != by).then(|| wide::member(author));
            self.changes.push(change);
            return followers;
        }
        for follower in followers.iter().filter(|f| *f != author) {
            self.put(follower, post, author, why, Some(by), position);
        }
        followers
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
        self.announce(owner, post_id, why, by, position);
    }

    /// The live change of an item in `owner`'s home.
    fn announce(&mut self, owner: &str, post_id: Uuid, why: &str, by: Option<&str>, position: u64) {
        let change = announcement(wide::member(owner), post_id, why, by, position);
        self.changes.push(change);
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

/// A home item's live change, on a home's topic or a wide author's source. It names the post; the
/// page reads it from the timeline (its counts, its visibility), as a query would.
fn announcement(
    topic: String,
    post_id: Uuid,
    why: &str,
    by: Option<&str>,
    position: u64,
) -> Change {
    let data =
        json!({ "post_id": post_id, "why": { "kind": why, "handle": by, "position": position } });
    Change::new(topic, position, ChangeKind::Upsert, data)
}

fn write(g: Generation, b: Batch, gone: &[Value], out: &mut Output) {
    let writes = &mut out.writes;
    let home = g.table("home");
    let edges = b.edges.iter();
    let edges = edges.map(|(followee, follower, on)| (json!([followee, follower]), *on));
    writes.set_keys(&g.table("home_follower"), edges);
    // An unfollow takes the followee's items out of the follower's home (posts and their reposts).
    for (follower, followee) in &b.unfollowed {
        let range = newest_first(&home, follower, None);
        let by = writes.bind(followee.clone());
        writes.push(format!(
            "DELETE {range} WHERE why != 'own' AND why != 'mention' AND by = {by} RETURN NONE"
        ));
    }
    if !b.created.is_empty() {
        let rows: Vec<Value> = b
            .created
            .iter()
            .map(|(post_id, key, author)| json!({ "id": [author, key], "post_id": post_id }))
            .collect();
        writes.insert_rows(&g.table("home_authored"), rows);
    }
    if !b.rows.is_empty() {
        writes.insert_rows(&home, b.rows);
    }
    if !gone.is_empty() {
        writes.delete_keys(&g.table("home_authored"), gone.to_vec());
    }
}
