//! The live changes of a batch: new and edited posts whole, counts once per post (its latest),
//! removals, each on every topic the post is in.

use super::{Batch, Spec};
use crate::live::Change;
use crate::projections::Scope;
use crate::social::read_models::timeline::rows::{display_names, Row, Tables};
use crate::social::read_models::timeline::PUBLIC_TOPIC;
use app::wire::ChangeKind;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// The live changes: new and edited posts whole, counts once per post (its latest), removals.
pub(super) async fn changes(
    scope: Scope<'_>,
    t: &Tables,
    b: &Batch,
    finals: &HashMap<Uuid, Row>,
) -> anyhow::Result<Vec<Change>> {
    let handles: Vec<&str> = finals.values().map(|row| row.author.as_str()).collect();
    let mut names = display_names(scope.db, t, &handles).await?;
    names.extend(b.names.clone());
    let last_counts: HashMap<Uuid, u64> = b
        .specs
        .iter()
        .filter_map(|(position, spec)| match spec {
            Spec::Counts(id) => Some((*id, *position)),
            _ => None,
        })
        .collect();
    let mut changes = vec![];
    for (position, spec) in &b.specs {
        let (kind, post_id) = match spec {
            Spec::New(id) | Spec::Edited(id) => (ChangeKind::Upsert, id),
            Spec::Counts(id) if last_counts[id] == *position => (ChangeKind::Counts, id),
            Spec::Counts(_) => continue,
            Spec::Gone(id) => (ChangeKind::Remove, id),
        };
        let Some(row) = finals.get(post_id) else {
            continue;
        };
        if row.hidden && kind != ChangeKind::Remove {
            continue;
        }
        let data = match kind {
            ChangeKind::Remove => json!(post_id),
            ChangeKind::Counts => json!({
                "id": post_id, "likes": row.likes.max(0), "reposts": row.reposts.max(0),
                "replies": row.replies.max(0),
            }),
            _ => serde_json::to_value(row.post(names.get(&row.author), false, false))?,
        };
        let mut topics = vec![PUBLIC_TOPIC.to_owned(), format!("post:{post_id}")];
        if kind != ChangeKind::Counts {
            topics.push(format!("user:{}", row.author));
            topics.extend(row.tags.iter().map(|tag| format!("tag:{tag}")));
            if let Some(parent) = row.reply_to {
                topics.push(format!("post:{parent}"));
            }
        }
        for topic in topics {
            changes.push(Change::new(topic, *position, kind, data.clone()));
        }
    }
    Ok(changes)
}
