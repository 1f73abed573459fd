//! `GET /api/notifications` (single, or `?grouped=true`), with the unread count.

use super::lists::list_at;
use crate::http::auth::SignedIn;
use crate::http::error::{ApiQuery, AppError};
use crate::http::openapi::responses as answers;
use crate::http::queries::PageQuery;
use crate::social::read_models::notifications::{self, Row};
use crate::social::read_models::{people, timeline};
use crate::state::AppState;
use app::wire::{Author, Notification, NotificationGroup, NotificationPage, PostRef};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Grouping {
    /// Likes, reposts and follows of one target as one group.
    #[serde(default)]
    grouped: bool,
}

/// An item of the answer: a notification, or (with `grouped=true`) a group of them.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum NotificationItem {
    Single(Notification),
    Group(NotificationGroup),
}

/// Raw rows read per round while filling a page.
const ROUND: usize = 100;
const MAX_ROUNDS: usize = 10;
const ACTORS_SHOWN: usize = 5;

#[utoipa::path(get, path = "/notifications", tag = "social", params(PageQuery, Grouping),
    security(("session" = [])),
    responses((status = 200, body = NotificationPage<NotificationItem>), answers::Invalid,
        answers::Unauthorized))]
pub async fn list(
    State(state): State<AppState>,
    me: SignedIn,
    ApiQuery(query): ApiQuery<PageQuery>,
    ApiQuery(grouping): ApiQuery<Grouping>,
) -> Result<Json<NotificationPage<NotificationItem>>, AppError> {
    let (limit, cursor) = (query.limit()?, query.cursor()?);
    let at = list_at(&state, Some(&me), &query, &[notifications::NAME]).await?;
    let db = state.store.db();
    let g = state.projections.generation(notifications::NAME);
    // Rows the owner sees, newest first: enough for a page and one more (or one more group).
    let mut visible: Vec<Row> = vec![];
    let mut below = cursor;
    let mut read_up_to = 0;
    let mut exhausted = false;
    for _ in 0..MAX_ROUNDS {
        let rows = notifications::rows(db, g, &me.handle, below, ROUND).await?;
        exhausted = rows.len() < ROUND;
        below = rows.last().map(|row| row.position).or(below);
        let posts: Vec<Uuid> = rows.iter().filter_map(|row| row.post_id).collect();
        let seen = notifications::seen(db, g, &me.handle, &posts).await?;
        read_up_to = seen.read_up_to;
        visible.extend(rows.into_iter().filter(|row| seen.shows(row, &at.hidden)));
        if exhausted || enough(&visible, limit, grouping.grouped) {
            break;
        }
    }
    // A first page's scan has seen the newest rows: the count goes on from where it stopped.
    let counted = match cursor {
        Some(_) => notifications::Counted {
            visible: 0,
            down_to: None,
        },
        None => notifications::Counted {
            visible: visible
                .iter()
                .filter(|row| row.position > read_up_to)
                .count() as u64,
            down_to: if exhausted { Some(0) } else { below },
        },
    };
    let unread = notifications::unread(db, g, &me.handle, read_up_to, &at.hidden, counted).await?;
    let shown = Shown::of(&state, &visible).await?;
    // Where a page cut short by many hidden rows goes on.
    let scanned_to = (!exhausted).then_some(below).flatten();
    if grouping.grouped {
        let (groups, next) = groups(&visible, limit, read_up_to, &shown);
        let next = next.or(scanned_to.map(|p| p.to_string()));
        let page = NotificationPage {
            items: groups.into_iter().map(NotificationItem::Group).collect(),
            next,
            unread,
            position: at.position,
            stale: at.stale,
        };
        return Ok(Json(page));
    }
    let next = if visible.len() > limit {
        Some(visible[limit - 1].position.to_string())
    } else {
        scanned_to.map(|p| p.to_string())
    };
    let items = visible
        .iter()
        .take(limit)
        .map(|row| Notification {
            kind: row.kind.clone(),
            actor: shown.actor(&row.actor),
            post: shown.post(row.post_id),
            at: row.at.clone(),
            read: row.position <= read_up_to,
            position: row.position,
        })
        .map(NotificationItem::Single)
        .collect();
    let page = NotificationPage {
        items,
        next,
        unread,
        position: at.position,
        stale: at.stale,
    };
    Ok(Json(page))
}

/// Whether the rows make a full page and show there is more.
fn enough(rows: &[Row], limit: usize, grouped: bool) -> bool {
    if !grouped {
        return rows.len() > limit;
    }
    let mut keys = HashSet::new();
    rows.iter().any(|row| {
        let key = row
            .group()
            .unwrap_or_else(|| format!("single:{}", row.position));
        keys.insert(key);
        keys.len() > limit
    })
}

/// Display names and post texts of what a page shows.
struct Shown {
    names: HashMap<String, String>,
    texts: HashMap<Uuid, String>,
}

impl Shown {
    async fn of(state: &AppState, rows: &[Row]) -> Result<Shown, AppError> {
        let mut handles: Vec<String> = rows.iter().map(|row| row.actor.clone()).collect();
        handles.sort_unstable();
        handles.dedup();
        let people_g = state.projections.generation(people::NAME);
        let db = state.store.db();
        let names = people::summaries(db, people_g, &handles)
            .await?
            .into_iter()
            .map(|summary| (summary.handle, summary.display_name))
            .collect();
        let mut posts: Vec<Uuid> = rows.iter().filter_map(|row| row.post_id).collect();
        posts.sort_unstable();
        posts.dedup();
        let timeline_g = state.projections.generation(timeline::NAME);
        let texts = timeline::texts(db, timeline_g, &posts).await?;
        Ok(Shown { names, texts })
    }

    fn actor(&self, handle: &str) -> Author {
        Author {
            handle: handle.to_owned(),
            display_name: self
                .names
                .get(handle)
                .cloned()
                .unwrap_or_else(|| handle.to_owned()),
        }
    }

    fn post(&self, post_id: Option<Uuid>) -> Option<PostRef> {
        let id = post_id?;
        Some(PostRef {
            id,
            text: self.texts.get(&id)?.clone(),
        })
    }
}

/// Groups the rows newest first: a page ends before the row that would open one group too many, so
/// every row above the cursor is in a group of this page (a group may go on on the next page).
fn groups(
    rows: &[Row],
    limit: usize,
    read_up_to: u64,
    shown: &Shown,
) -> (Vec<NotificationGroup>, Option<String>) {
    let mut order: Vec<String> = vec![];
    let mut members: HashMap<String, Vec<&Row>> = HashMap::new();
    let mut next = None;
    let mut last_taken = None;
    for row in rows {
        let key = row
            .group()
            .unwrap_or_else(|| format!("single:{}", row.position));
        if !members.contains_key(&key) {
            if order.len() == limit {
                next = last_taken.map(|position: u64| position.to_string());
                break;
            }
            order.push(key.clone());
        }
        members.entry(key).or_default().push(row);
        last_taken = Some(row.position);
    }
    let groups = order
        .iter()
        .map(|key| {
            let rows = &members[key];
            let newest = rows[0];
            let mut actors: Vec<Author> = vec![];
            for row in rows {
                if actors.len() < ACTORS_SHOWN && !actors.iter().any(|a| a.handle == row.actor) {
                    actors.push(shown.actor(&row.actor));
                }
            }
            NotificationGroup {
                kind: newest.kind.clone(),
                post: shown.post(newest.post_id),
                actors,
                count: rows.len() as u64,
                latest_at: newest.at.clone(),
                read: newest.position <= read_up_to,
                position: newest.position,
            }
        })
        .collect();
    (groups, next)
}
