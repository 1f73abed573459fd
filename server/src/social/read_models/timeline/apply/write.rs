//! The writes of a batch: one insert per table for new rows, one update per touched post.

use super::{Batch, Stored};
use crate::projections::keys::minus;
use crate::projections::Writes;
use crate::social::read_models::timeline::rows::{Row, Tables};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Likes or reposts → their rows (to set) or keys (to remove).
type Marks<'a> = BTreeMap<&'a str, Vec<Value>>;

pub(super) fn write(t: &Tables, b: Batch, stored: Stored<'_>, writes: &mut Writes) {
    let Stored {
        keys,
        rows: stored,
        hidden_now,
        untagged,
    } = stored;
    if !untagged.is_empty() {
        writes.delete_keys(&t.tag, untagged);
    }
    if !b.names.is_empty() {
        let rows: Vec<Value> = b
            .names
            .iter()
            .map(|(h, n)| json!({ "id": h, "handle": h, "display_name": n }))
            .collect();
        let rows = writes.bind(rows);
        writes.push(format!(
            "INSERT INTO {} {rows} ON DUPLICATE KEY UPDATE display_name = $input.display_name RETURN NONE",
            t.author
        ));
    }
    if !b.created_order.is_empty() {
        let rows: Vec<Value> = b
            .created_order
            .iter()
            .filter_map(|id| b.created.get(id))
            .map(|row| new_row(row, b.originals.get(&row.post_id)))
            .collect();
        let rows = writes.bind(rows);
        writes.push(format!("INSERT INTO {} {rows} RETURN NONE", t.post));
        let keys: Vec<Value> = b
            .created_order
            .iter()
            .filter_map(|id| b.created.get(id))
            .map(|row| json!({ "id": row.post_id.to_string(), "key": minus(row.position) }))
            .collect();
        writes.insert_rows(&t.key, keys);
    }
    for (list, rows) in &b.lists {
        let table = match *list {
            "by_author" => &t.by_author,
            "tag" => &t.tag,
            _ => &t.reply,
        };
        writes.insert_rows(table, rows.clone());
    }
    for (post_id, counts) in &b.deltas {
        let Some(key) = keys.get(post_id).filter(|_| stored.contains_key(post_id)) else {
            continue;
        };
        writes.push(format!(
            "UPDATE type::record('{}', {key}) SET likes = (likes ?? 0) + {}, reposts = (reposts ?? 0) + {}, replies = (replies ?? 0) + {} RETURN NONE",
            t.post, counts.likes, counts.reposts, counts.replies
        ));
    }
    for edit in &b.edits {
        let id = json!([edit.post_id.to_string(), edit.position]);
        let version = json!({ "id": id, "text": edit.text, "at": edit.at });
        writes.insert_rows(&t.version, vec![version]);
        if let Some(key) = keys
            .get(&edit.post_id)
            .filter(|_| stored.contains_key(&edit.post_id))
        {
            let (text, at) = (writes.bind(edit.text.clone()), writes.bind(edit.at.clone()));
            let tags = writes.bind(b.retagged.get(&edit.post_id).cloned().unwrap_or_default());
            writes.push(format!(
                "UPDATE type::record('{}', {key}) SET original = original ?? text, text = {text}, edited_at = {at}, tags = {tags} RETURN NONE",
                t.post
            ));
        }
    }
    let gone: Vec<i64> = hidden_now
        .iter()
        .filter_map(|id| keys.get(id).copied())
        .collect();
    if !gone.is_empty() {
        let keys = writes.bind(gone);
        writes.push(format!(
            "UPDATE array::map({keys}, |$key| type::record('{}', $key)) SET hidden = true RETURN NONE",
            t.post
        ));
    }
    let (mut on, mut off): (Marks<'_>, Marks<'_>) = Default::default();
    for ((kind, who, post_id), set) in &b.marks {
        let id = json!([who, post_id.to_string()]);
        if *set {
            let row = json!({ "id": id, "post_id": post_id.to_string() });
            on.entry(kind).or_default().push(row);
        } else {
            off.entry(kind).or_default().push(id);
        }
    }
    let table = |kind: &str| {
        if kind == "like" {
            t.like.clone()
        } else {
            t.repost.clone()
        }
    };
    for (kind, rows) in on {
        writes.insert_rows(&table(kind), rows);
    }
    for (kind, ids) in off {
        writes.delete_keys(&table(kind), ids);
    }
}

/// A new post's row. A post edited in the batch that created it keeps its first text as `original`.
fn new_row(row: &Row, original: Option<&String>) -> Value {
    let mut value = json!({
        "id": minus(row.position), "post_id": row.post_id, "author": row.author, "text": row.text,
        "created_at": row.created_at, "tags": row.tags, "likes": row.likes, "reposts": row.reposts,
        "replies": row.replies,
    });
    if let Some(parent) = row.reply_to {
        value["reply_to"] = json!(parent);
    }
    if let Some(edited_at) = &row.edited_at {
        value["edited_at"] = json!(edited_at);
    }
    if let Some(original) = original {
        value["original"] = json!(original);
    }
    if row.hidden {
        value["hidden"] = json!(true);
    }
    value
}
