//! A person erased: every post of theirs leaves the lists as a deleted one does (live, with its
//! counts on parents), and the words the timeline had copied — texts, first versions, edit
//! history, tags, display name — are blanked in place, so no read of the timeline holds them.

use super::{Batch, Spec};
use crate::db;
use crate::projections::keys::{minus, newest_first, quote};
use crate::projections::{Scope, Writes};
use crate::social::read_models::timeline::rows::{Row, Tables};
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// The stored posts of the people this batch erases, by id with their row keys; each joins the
/// batch's posts that leave.
pub(super) async fn erased_posts(
    scope: Scope<'_>,
    t: &Tables,
    b: &mut Batch,
) -> anyhow::Result<HashMap<Uuid, i64>> {
    let mut keys = HashMap::new();
    for (handle, position) in b.erased.clone() {
        let range = newest_first(&t.by_author, &handle, None);
        let sql = format!("SELECT VALUE id[1] FROM {range}");
        let found: Vec<i64> = db::rows(scope.db, sql, Value::Null)
            .await?
            .into_iter()
            .filter_map(|key| key.as_i64())
            .collect();
        for row in super::rows_at(scope.db, t, &found).await? {
            keys.insert(row.post_id, minus(row.position));
            b.gone.push((row.post_id, position));
            b.specs.push((position, Spec::Gone(row.post_id)));
        }
        // Posts of this batch (a rebuild) read without their words already; they leave too.
        let created: Vec<Uuid> = b
            .created
            .values()
            .filter(|row| row.author == handle)
            .map(|row| row.post_id)
            .collect();
        for post_id in created {
            b.gone.push((post_id, position));
            b.specs.push((position, Spec::Gone(post_id)));
        }
    }
    Ok(keys)
}

/// Blanks what the timeline copied of the erased people's words.
pub(super) fn blank(
    t: &Tables,
    b: &Batch,
    erased: &HashMap<Uuid, i64>,
    stored: &HashMap<Uuid, Row>,
    writes: &mut Writes,
) {
    if b.erased.is_empty() {
        return;
    }
    let handles: Vec<&str> = b.erased.iter().map(|(h, _)| h.as_str()).collect();
    let names = writes.bind(json!(handles));
    writes.push(format!(
        "DELETE array::map({names}, |$h| type::record('{}', $h)) RETURN NONE",
        t.author
    ));
    if erased.is_empty() {
        return;
    }
    let keys: Vec<i64> = erased.values().copied().collect();
    let bound = writes.bind(json!(keys));
    writes.push(format!(
        "UPDATE array::map({bound}, |$key| type::record('{}', $key)) SET text = '', original = NONE, tags = [], erased = true RETURN NONE",
        t.post
    ));
    let mut untagged = vec![];
    for (post_id, key) in erased {
        if let Some(row) = stored.get(post_id) {
            untagged.extend(row.tags.iter().map(|tag| json!([tag, key])));
        }
        let id = quote(&post_id.to_string());
        writes.push(format!(
            "DELETE {}:[{id}, NONE]..=[{id}, {}] RETURN NONE",
            t.version,
            i64::MAX
        ));
    }
    writes.delete_keys(&t.tag, untagged);
}
