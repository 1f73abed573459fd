//! The people read model: each person's profile with their counts, who follows whom, and whom each
//! person muted or blocked. Serves `GET /api/users/{handle}`, its `/followers` and `/following`, and
//! `GET /api/me/muted|blocked`; other queries read the mute and block sets from here to leave those
//! people out of every list, the past items too.
//!
//! Every row is found by its key, never by a secondary index: a person is `person:<handle>`, an edge
//! is `follower:[followee, follower]` and `following:[follower, followee]` (so a person's list is a
//! key-range scan, in handle order), a mute `muted:[by, them]`, a block `blocked:[by, them]`.

use crate::aggregate::decode;
use crate::db;
use crate::projections::keys::{range_after, Key};
use crate::projections::{Definition, Generation, Output, Scope};
use crate::social::domain::{post, Event};
use app::wire::Envelope;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

mod queries;

pub use queries::{hidden_from, list, profile, summaries, List, Person};

pub const NAME: &str = "people";

const SCHEMA: &str = "
DEFINE TABLE IF NOT EXISTS person{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS follower{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS following{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS muted{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS blocked{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS blocked_by{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS person_post_gone{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS person_erased{g} SCHEMALESS;
";

const TABLES: &[&str] = &[
    "person",
    "follower",
    "following",
    "muted",
    "blocked",
    "blocked_by",
    "person_post_gone",
    "person_erased",
];

pub const PEOPLE: Definition = Definition {
    name: NAME,
    // 2: erased people, left out of every list (`person_erased`).
    version: 2,
    schema: SCHEMA,
    tables: TABLES,
    in_order: false,
    sources: None,
    apply: |scope, events, out| Box::pin(apply(scope, events, out)),
};

/// What a batch changes, coalesced: one statement per kind of change, whatever the number of events.
#[derive(Default)]
struct Batch {
    registered: Vec<Value>,
    renamed: BTreeMap<String, (Option<String>, Option<String>)>,
    counts: BTreeMap<(String, &'static str), i64>,
    /// Edge tables → keys set (true) or removed (false), in event order.
    edges: Vec<(&'static str, [String; 2], bool, u64)>,
    /// Posts that left (deleted or hidden), with whoever wrote them once known.
    gone: Vec<uuid::Uuid>,
    created: HashMap<uuid::Uuid, String>,
    /// People erased in this batch.
    erased: Vec<String>,
}

impl Batch {
    fn count(&mut self, handle: &str, field: &'static str, by: i64) {
        *self.counts.entry((handle.to_owned(), field)).or_default() += by;
    }

    fn edge(&mut self, table: &'static str, a: &str, b: &str, on: bool, position: u64) {
        self.edges
            .push((table, [a.to_owned(), b.to_owned()], on, position));
    }
}

async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let g = scope.generation;
    let mut batch = Batch::default();
    for envelope in events {
        let Some(event) = decode::<Event>(envelope)? else {
            continue;
        };
        let position = envelope.position;
        match event {
            Event::UserRegistered {
                handle,
                display_name,
                ..
            } => batch.registered.push(json!({
                "id": handle, "handle": handle, "display_name": display_name, "bio": "",
                "followers": 0, "following": 0, "posts": 0, "since": envelope.metadata.at,
            })),
            Event::ProfileUpdated {
                handle,
                display_name,
                bio,
            } => {
                let entry = batch.renamed.entry(handle).or_default();
                entry.0 = display_name.or(entry.0.take());
                entry.1 = bio.or(entry.1.take());
            }
            Event::PostCreated {
                post_id, author, ..
            } => {
                batch.count(&author, "posts", 1);
                batch.created.insert(post_id, author);
            }
            Event::PostDeleted { post_id, .. } | Event::PostHidden { post_id, .. } => {
                batch.gone.push(post_id)
            }
            Event::UserFollowed { follower, followee } => {
                batch.count(&follower, "following", 1);
                batch.count(&followee, "followers", 1);
                batch.edge("follower", &followee, &follower, true, position);
                batch.edge("following", &follower, &followee, true, position);
            }
            Event::UserUnfollowed { follower, followee } => {
                batch.count(&follower, "following", -1);
                batch.count(&followee, "followers", -1);
                batch.edge("follower", &followee, &follower, false, position);
                batch.edge("following", &follower, &followee, false, position);
            }
            Event::UserMuted { by, muted } => batch.edge("muted", &by, &muted, true, position),
            Event::UserUnmuted { by, muted } => batch.edge("muted", &by, &muted, false, position),
            Event::UserBlocked { by, blocked } => {
                batch.edge("blocked", &by, &blocked, true, position);
                batch.edge("blocked_by", &blocked, &by, true, position);
            }
            Event::UserUnblocked { by, blocked } => {
                batch.edge("blocked", &by, &blocked, false, position);
                batch.edge("blocked_by", &blocked, &by, false, position);
            }
            Event::UserErased { handle, .. } => {
                batch
                    .registered
                    .retain(|row| row["handle"] != json!(handle));
                batch.renamed.remove(&handle);
                batch.erased.push(handle);
            }
            _ => {}
        }
    }
    unfollow_erased(scope, &mut batch).await?;
    uncount_gone_posts(scope, &mut batch).await?;
    write(g, batch, out);
    Ok(())
}

/// An erased person's follows end both ways, in the others' lists and counts too: the person is
/// shown as erased, not as someone who still follows.
async fn unfollow_erased(scope: Scope<'_>, batch: &mut Batch) -> anyhow::Result<()> {
    let g = scope.generation;
    for handle in batch.erased.clone() {
        let sql = format!(
            "SELECT VALUE handle FROM {};\nSELECT VALUE handle FROM {};",
            range_after(&g.table("following"), &handle, None),
            range_after(&g.table("follower"), &handle, None)
        );
        let mut results = db::run(scope.db, sql, Value::Null).await?;
        let handles = |rows: Vec<Value>| -> Vec<String> {
            rows.into_iter()
                .filter_map(|h| h.as_str().map(str::to_owned))
                .collect()
        };
        let followees = handles(results.take(0)?);
        let followers = handles(results.take(1)?);
        for followee in followees {
            batch.count(&followee, "followers", -1);
            batch.edge("follower", &followee, &handle, false, 0);
            batch.edge("following", &handle, &followee, false, 0);
        }
        for follower in followers {
            batch.count(&follower, "following", -1);
            batch.edge("following", &follower, &handle, false, 0);
            batch.edge("follower", &handle, &follower, false, 0);
        }
    }
    Ok(())
}

/// A post that leaves (deleted, or hidden by moderation) no longer counts for its author, once: a
/// hidden post deleted later is not uncounted twice.
async fn uncount_gone_posts(scope: Scope<'_>, batch: &mut Batch) -> anyhow::Result<()> {
    if batch.gone.is_empty() {
        return Ok(());
    }
    let table = scope.generation.table("person_post_gone");
    let ids: Vec<String> = batch.gone.iter().map(|id| id.to_string()).collect();
    let sql =
        format!("SELECT VALUE post_id FROM array::map($ids, |$id| type::record('{table}', $id))");
    let already: HashSet<String> = db::rows(scope.db, sql, json!({ "ids": ids }))
        .await?
        .into_iter()
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect();
    let mut seen = HashSet::new();
    let fresh: Vec<uuid::Uuid> = std::mem::take(&mut batch.gone)
        .into_iter()
        .filter(|id| !already.contains(&id.to_string()) && seen.insert(*id))
        .collect();
    let unknown: Vec<String> = fresh
        .iter()
        .filter(|id| !batch.created.contains_key(id))
        .map(|id| post::stream(*id))
        .collect();
    let first = scope.store.first_events(&unknown).await?;
    for id in &fresh {
        let author = batch.created.get(id).cloned().or_else(|| {
            let created = first.get(&post::stream(*id))?;
            Some(created.data.get("author")?.as_str()?.to_owned())
        });
        if let Some(author) = author {
            batch.count(&author, "posts", -1);
        }
    }
    batch.gone = fresh;
    Ok(())
}

fn write(g: Generation, batch: Batch, out: &mut Output) {
    let writes = &mut out.writes;
    if !batch.registered.is_empty() {
        let rows = writes.bind(batch.registered);
        writes.push(format!(
            "INSERT INTO {} {rows} ON DUPLICATE KEY UPDATE display_name = $input.display_name RETURN NONE",
            g.table("person")
        ));
    }
    for (handle, (display_name, bio)) in batch.renamed {
        let key = Key::text(&g.table("person"), &handle);
        let mut sets = vec![];
        if let Some(name) = display_name {
            sets.push(format!("display_name = {}", writes.bind(name)));
        }
        if let Some(bio) = bio {
            sets.push(format!("bio = {}", writes.bind(bio)));
        }
        writes.push(format!("UPDATE {key} SET {} RETURN NONE", sets.join(", ")));
    }
    for ((handle, field), by) in batch.counts.into_iter().filter(|(_, by)| *by != 0) {
        let key = Key::text(&g.table("person"), &handle);
        writes.push(format!(
            "UPDATE {key} SET {field} = math::max([0, ({field} ?? 0) + {by}]) RETURN NONE"
        ));
    }
    for (table, [a, b], on, position) in batch.edges {
        let key = Key::pair(&g.table(table), &a, &b);
        if on {
            let (at, handle) = (writes.bind(position), writes.bind(b));
            writes.push(format!(
                "UPSERT {key} SET handle = {handle}, position = {at} RETURN NONE"
            ));
        } else {
            writes.push(format!("DELETE {key} RETURN NONE"));
        }
    }
    let erased: Vec<Value> = batch.erased.iter().map(|h| json!({ "id": h })).collect();
    writes.insert_rows(&g.table("person_erased"), erased);
    for handle in &batch.erased {
        let key = Key::text(&g.table("person"), handle);
        writes.push(format!(
            "UPDATE {key} SET erased = true, display_name = NONE, bio = NONE, followers = 0, following = 0 RETURN NONE"
        ));
    }
    if !batch.gone.is_empty() {
        let rows: Vec<Value> = batch
            .gone
            .iter()
            .map(|id| json!({ "id": id.to_string(), "post_id": id.to_string() }))
            .collect();
        writes.insert_rows(&g.table("person_post_gone"), rows);
    }
}
