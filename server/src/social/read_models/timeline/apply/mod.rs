//! How a batch of events becomes the timeline's writes (and, when someone listens, its live
//! changes). The batch is coalesced: one insert per table for new rows, one update per touched
//! post, whatever the number of events.

mod erase;
mod live;
mod write;

use super::rows::{self, rows_at, Row, Tables};
use crate::aggregate::decode;
use crate::projections::keys::minus;
use crate::projections::{Output, Scope};
use crate::social::domain::{post, Event};
use app::wire::Envelope;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

#[derive(Default, Clone, Copy)]
struct Counts {
    likes: i64,
    reposts: i64,
    replies: i64,
}

struct Edit {
    post_id: Uuid,
    text: String,
    tags: Vec<String>,
    at: String,
    position: u64,
}

/// What to push once the rows' final state is known, in event order.
enum Spec {
    New(Uuid),
    Edited(Uuid),
    Counts(Uuid),
    Gone(Uuid),
}

#[derive(Default)]
struct Batch {
    names: HashMap<String, String>,
    /// Posts created in this batch, by id, and their rows (counts, edits and hiding applied).
    created: HashMap<Uuid, Row>,
    created_order: Vec<Uuid>,
    /// Key rows of the lists: table → ids.
    lists: BTreeMap<&'static str, Vec<Value>>,
    deltas: HashMap<Uuid, Counts>,
    edits: Vec<Edit>,
    /// Posts that left, with the position of the event that took them.
    gone: Vec<(Uuid, u64)>,
    /// (likes or reposts, who, post) → on or off, the last word of the batch.
    marks: BTreeMap<(&'static str, String, Uuid), bool>,
    /// The first text of posts created and edited in this batch.
    originals: HashMap<Uuid, String>,
    /// Stored posts whose tags an edit replaced.
    retagged: HashMap<Uuid, Vec<String>>,
    specs: Vec<(u64, Spec)>,
    /// People erased in this batch, with the position of their erasure.
    erased: Vec<(String, u64)>,
}

impl Batch {
    fn delta(&mut self, post_id: Uuid) -> &mut Counts {
        self.deltas.entry(post_id).or_default()
    }

    fn list(&mut self, table: &'static str, id: Value) {
        self.lists
            .entry(table)
            .or_default()
            .push(json!({ "id": id }));
    }
}

pub async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let t = Tables::of(scope.generation);
    let mut b = Batch::default();
    for envelope in events {
        read(&mut b, envelope)?;
    }
    let erased = erase::erased_posts(scope, &t, &mut b).await?;
    // Every post this batch changes but did not create is found by where its stream began.
    let mut touched: HashSet<Uuid> = b.deltas.keys().copied().collect();
    touched.extend(b.edits.iter().map(|edit| edit.post_id));
    touched.extend(b.gone.iter().map(|(id, _)| *id));
    touched.retain(|id| !erased.contains_key(id));
    let mut keys = keys_of(scope, &b, &touched).await?;
    keys.extend(erased.iter().map(|(id, key)| (*id, *key)));
    let mut stored: HashMap<Uuid, Row> = {
        let wanted: Vec<i64> = keys.values().copied().collect();
        rows_at(scope.db, &t, &wanted)
            .await?
            .into_iter()
            .map(|row| (row.post_id, row))
            .collect()
    };
    let hidden_now = leave(&mut b, &stored);
    // A reply that left no longer counts for its parent, which may be a post no event named.
    let parents: HashSet<Uuid> = b
        .deltas
        .keys()
        .filter(|id| !keys.contains_key(id) && !b.created.contains_key(id))
        .copied()
        .collect();
    if !parents.is_empty() {
        let more = keys_of(scope, &b, &parents).await?;
        let wanted: Vec<i64> = more.values().copied().collect();
        stored.extend(
            rows_at(scope.db, &t, &wanted)
                .await?
                .into_iter()
                .map(|row| (row.post_id, row)),
        );
        keys.extend(more);
    }
    let untagged = retag(&mut b, &stored, &keys);
    fold_into_new_rows(&mut b);
    if scope.live {
        let finals = final_rows(&b, &stored, &hidden_now);
        out.changes = live::changes(scope, &t, &b, &finals).await?;
    }
    erase::blank(&t, &b, &erased, &stored, &mut out.writes);
    let stored_state = Stored {
        keys: &keys,
        rows: &stored,
        hidden_now: &hidden_now,
        untagged,
    };
    write::write(&t, b, stored_state, &mut out.writes);
    Ok(())
}

/// What the batch found of posts it did not create.
struct Stored<'a> {
    keys: &'a HashMap<Uuid, i64>,
    rows: &'a HashMap<Uuid, Row>,
    hidden_now: &'a HashSet<Uuid>,
    /// Tag-list keys an edit took the post out of.
    untagged: Vec<Value>,
}

/// An edit's tags replace the post's: the post leaves the lists of tags it lost and joins those of
/// tags it gained, judged between its tags before the batch and after its last edit (a post edited
/// twice in one batch is retagged once). Answers the tag-list keys to delete, which are written
/// before any list row is inserted.
fn retag(b: &mut Batch, stored: &HashMap<Uuid, Row>, keys: &HashMap<Uuid, i64>) -> Vec<Value> {
    let mut last: Vec<(Uuid, Vec<String>)> = vec![];
    for edit in &b.edits {
        last.retain(|(id, _)| *id != edit.post_id);
        last.push((edit.post_id, edit.tags.clone()));
    }
    let mut untagged = vec![];
    for (post_id, tags) in last {
        if let Some(row) = b.created.get_mut(&post_id) {
            // Created in this batch: its creation's list rows are not written yet, so they change.
            let key = minus(row.position);
            let before = std::mem::replace(&mut row.tags, tags.clone());
            let rows = b.lists.entry("tag").or_default();
            rows.retain(|row| {
                let id = &row["id"];
                !(id[1] == json!(key) && before.iter().any(|tag| id[0] == json!(tag)))
            });
            for tag in &tags {
                rows.push(json!({ "id": [tag, key] }));
            }
            continue;
        }
        let (Some(row), Some(key)) = (stored.get(&post_id), keys.get(&post_id)) else {
            continue;
        };
        for tag in row.tags.iter().filter(|tag| !tags.contains(tag)) {
            untagged.push(json!([tag, key]));
        }
        for tag in tags.iter().filter(|tag| !row.tags.contains(tag)) {
            b.list("tag", json!([tag, key]));
        }
        b.retagged.insert(post_id, tags);
    }
    untagged
}

fn read(b: &mut Batch, envelope: &Envelope) -> anyhow::Result<()> {
    let Some(event) = decode::<Event>(envelope)? else {
        return Ok(());
    };
    let position = envelope.position;
    match event {
        Event::UserRegistered {
            handle,
            display_name,
            ..
        } => {
            b.names.insert(handle, display_name);
        }
        Event::ProfileUpdated {
            handle,
            display_name: Some(name),
            ..
        } => {
            b.names.insert(handle, name);
        }
        Event::PostCreated {
            post_id,
            author,
            text,
            reply_to,
            tags,
            ..
        } => {
            let key = minus(position);
            b.list("by_author", json!([author, key]));
            for tag in &tags {
                b.list("tag", json!([tag, key]));
            }
            if let Some(parent) = reply_to {
                b.list("reply", json!([parent.to_string(), position]));
                b.delta(parent).replies += 1;
                b.specs.push((position, Spec::Counts(parent)));
            }
            b.created.insert(
                post_id,
                Row {
                    post_id,
                    author,
                    text,
                    created_at: envelope.metadata.at.clone(),
                    edited_at: None,
                    reply_to,
                    tags,
                    hidden: false,
                    likes: 0,
                    reposts: 0,
                    replies: 0,
                    position,
                },
            );
            b.created_order.push(post_id);
            b.specs.push((position, Spec::New(post_id)));
        }
        Event::PostEdited {
            post_id,
            text,
            tags,
            ..
        } => {
            b.edits.push(Edit {
                post_id,
                text,
                tags,
                at: envelope.metadata.at.clone(),
                position,
            });
            b.specs.push((position, Spec::Edited(post_id)));
        }
        Event::PostLiked { post_id, by, .. } | Event::PostUnliked { post_id, by, .. } => {
            let on = envelope.event_type == "PostLiked";
            b.delta(post_id).likes += if on { 1 } else { -1 };
            b.marks.insert(("like", by, post_id), on);
            b.specs.push((position, Spec::Counts(post_id)));
        }
        Event::PostReposted { post_id, by, .. } => {
            b.delta(post_id).reposts += 1;
            b.marks.insert(("repost", by, post_id), true);
            b.specs.push((position, Spec::Counts(post_id)));
        }
        Event::PostHidden { post_id, .. } | Event::PostDeleted { post_id, .. } => {
            b.gone.push((post_id, position));
            b.specs.push((position, Spec::Gone(post_id)));
        }
        Event::UserErased { handle, .. } => {
            b.names.remove(&handle);
            b.erased.push((handle, position));
        }
        _ => {}
    }
    Ok(())
}

/// The row key (minus position) of each stored post: from the key table, and for a post it does
/// not hold (one whose creation was parked) from where its stream began in the log.
async fn keys_of(
    scope: Scope<'_>,
    b: &Batch,
    posts: &HashSet<Uuid>,
) -> anyhow::Result<HashMap<Uuid, i64>> {
    let wanted: Vec<Uuid> = posts
        .iter()
        .filter(|id| !b.created.contains_key(id))
        .copied()
        .collect();
    let mut keys = rows::keys_of(scope.db, &Tables::of(scope.generation), &wanted).await?;
    let streams: Vec<String> = wanted
        .iter()
        .filter(|id| !keys.contains_key(id))
        .map(|id| post::stream(*id))
        .collect();
    let began = scope.store.first_positions(&streams).await?;
    keys.extend(
        wanted
            .iter()
            .filter_map(|id| Some((*id, minus(*began.get(&post::stream(*id))?)))),
    );
    Ok(keys)
}

/// Marks the posts that leave as hidden, once each (a hidden post deleted later leaves once), and
/// takes a reply that leaves off its parent's count. Answers the stored posts that leave now.
fn leave(b: &mut Batch, stored: &HashMap<Uuid, Row>) -> HashSet<Uuid> {
    let mut hidden_now = HashSet::new();
    for (post_id, position) in std::mem::take(&mut b.gone) {
        let parent = if let Some(row) = b.created.get_mut(&post_id) {
            let was_visible = !row.hidden;
            row.hidden = true;
            row.reply_to.filter(|_| was_visible)
        } else if let Some(row) = stored.get(&post_id) {
            if row.hidden || !hidden_now.insert(post_id) {
                None
            } else {
                row.reply_to
            }
        } else {
            None
        };
        if let Some(parent) = parent {
            b.delta(parent).replies -= 1;
            b.specs.push((position, Spec::Counts(parent)));
        }
        b.gone.push((post_id, position));
    }
    hidden_now
}

/// Counts and edits of posts created in this batch go into their new rows.
fn fold_into_new_rows(b: &mut Batch) {
    for (post_id, counts) in b.deltas.iter() {
        if let Some(row) = b.created.get_mut(post_id) {
            row.likes += counts.likes;
            row.reposts += counts.reposts;
            row.replies += counts.replies;
        }
    }
    for edit in &b.edits {
        if let Some(row) = b.created.get_mut(&edit.post_id) {
            b.originals
                .entry(edit.post_id)
                .or_insert_with(|| row.text.clone());
            row.text = edit.text.clone();
            row.edited_at = Some(edit.at.clone());
        }
    }
}

/// Every touched post as it will be once the batch commits.
fn final_rows(
    b: &Batch,
    stored: &HashMap<Uuid, Row>,
    hidden_now: &HashSet<Uuid>,
) -> HashMap<Uuid, Row> {
    let mut finals: HashMap<Uuid, Row> = b.created.clone();
    for (post_id, row) in stored {
        let mut row = row.clone();
        if let Some(counts) = b.deltas.get(post_id) {
            row.likes += counts.likes;
            row.reposts += counts.reposts;
            row.replies += counts.replies;
        }
        if let Some(edit) = b.edits.iter().rev().find(|edit| edit.post_id == *post_id) {
            row.text = edit.text.clone();
            row.edited_at = Some(edit.at.clone());
        }
        row.hidden |= hidden_now.contains(post_id);
        if let Some(tags) = b.retagged.get(post_id) {
            row.tags = tags.clone();
        }
        finals.insert(*post_id, row);
    }
    finals
}
