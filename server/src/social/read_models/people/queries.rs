//! The people read model's queries: profiles, lists of edges, and who a viewer does not see.

use crate::db::{self, Db};
use crate::projections::keys::{range_after, Key};
use crate::projections::Generation;
use app::wire::{Page, Profile, UserSummary};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// A person as the people read model knows them.
pub enum Person {
    Known(Profile),
    Erased,
    Unknown,
}

/// `GET /api/users/{handle}`: the profile, and how `viewer` and the person follow each other.
pub async fn profile(
    db: &Db,
    g: Generation,
    handle: &str,
    viewer: Option<&str>,
) -> anyhow::Result<Person> {
    let person = Key::text(&g.table("person"), handle);
    let exists = |table: &str, a: &str, b: &str| {
        format!("record::exists({})", Key::pair(&g.table(table), a, b))
    };
    let flags = match viewer {
        Some(viewer) => [
            exists("follower", handle, viewer),
            exists("follower", viewer, handle),
            exists("muted", viewer, handle),
            exists("blocked", viewer, handle),
        ],
        None => ["false", "false", "false", "false"].map(str::to_owned),
    };
    let [you_follow, follows_you, muted, blocked] = flags;
    let sql = format!(
        "SELECT handle, display_name, bio, followers, following, posts,
            {you_follow} AS you_follow, {follows_you} AS follows_you, {muted} AS muted,
            {blocked} AS blocked, erased
         FROM {person}"
    );
    let Some(row) = db::rows(db, sql, Value::Null).await?.into_iter().next() else {
        return Ok(Person::Unknown);
    };
    if row["erased"] == json!(true) {
        return Ok(Person::Erased);
    }
    Ok(Person::Known(serde_json::from_value(row)?))
}

/// Which list of a person's edges.
#[derive(Debug, Clone, Copy)]
pub enum List {
    Followers,
    Following,
    Muted,
    Blocked,
}

impl List {
    fn table(self) -> &'static str {
        match self {
            List::Followers => "follower",
            List::Following => "following",
            List::Muted => "muted",
            List::Blocked => "blocked",
        }
    }
}

/// A keyset page of one of a person's lists, in handle order; the cursor is the last handle seen.
pub async fn list(
    db: &Db,
    g: Generation,
    handle: &str,
    which: List,
    cursor: Option<&str>,
    limit: usize,
    position: u64,
) -> anyhow::Result<Page<UserSummary>> {
    let range = range_after(&g.table(which.table()), handle, cursor);
    let sql = format!("SELECT VALUE handle FROM {range} LIMIT {}", limit + 1);
    let mut handles: Vec<String> = db::rows(db, sql, Value::Null)
        .await?
        .into_iter()
        .filter_map(|h| h.as_str().map(str::to_owned))
        .collect();
    let next = (handles.len() > limit).then(|| handles[limit - 1].clone());
    handles.truncate(limit);
    let items = summaries(db, g, &handles).await?;
    Ok(Page {
        items,
        next,
        position,
        stale: false,
    })
}

/// Handles with their display names, in the given order.
pub async fn summaries(
    db: &Db,
    g: Generation,
    handles: &[String],
) -> anyhow::Result<Vec<UserSummary>> {
    if handles.is_empty() {
        return Ok(vec![]);
    }
    let table = g.table("person");
    let sql = format!(
        "SELECT handle, display_name FROM array::map($handles, |$h| type::record('{table}', $h))"
    );
    let found: HashMap<String, String> = db::rows(db, sql, json!({ "handles": handles }))
        .await?
        .into_iter()
        .filter_map(|row| {
            Some((
                row["handle"].as_str()?.to_owned(),
                row["display_name"].as_str()?.to_owned(),
            ))
        })
        .collect();
    Ok(handles
        .iter()
        .map(|handle| UserSummary {
            display_name: found.get(handle).cloned().unwrap_or_else(|| handle.clone()),
            handle: handle.clone(),
        })
        .collect())
}

/// Everyone erased, everyone `viewer` muted or blocked, and everyone who blocked `viewer`: the
/// people whose posts and notifications leave `viewer`'s lists (an anonymous viewer's: the erased).
pub async fn hidden_from(
    db: &Db,
    g: Generation,
    viewer: Option<&str>,
) -> anyhow::Result<HashSet<String>> {
    let mut sql = format!(
        "SELECT VALUE record::id(id) FROM {};",
        g.table("person_erased")
    );
    if let Some(viewer) = viewer {
        for table in ["muted", "blocked", "blocked_by"] {
            let range = range_after(&g.table(table), viewer, None);
            sql.push_str(&format!("SELECT VALUE handle FROM {range};"));
        }
    }
    let statements = if viewer.is_some() { 4 } else { 1 };
    let mut results = db::run(db, sql, Value::Null).await?;
    let mut hidden = HashSet::new();
    for i in 0..statements {
        let rows: Vec<Value> = results.take(i)?;
        hidden.extend(
            rows.into_iter()
                .filter_map(|h| h.as_str().map(str::to_owned)),
        );
    }
    Ok(hidden)
}
