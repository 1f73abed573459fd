//! `GET /api/timeline/home`: the signed-in person's own posts, their followees' posts and reposts,
//! and posts that mention them, newest first, each with why it is there.

use super::lists::list_at;
use crate::http::auth::SignedIn;
use crate::http::error::{ApiQuery, AppError};
use crate::http::openapi::responses as answers;
use crate::http::queries::PageQuery;
use crate::social::read_models::home::{self, Item};
use crate::social::read_models::timeline::{self, rows};
use crate::state::AppState;
use app::wire::{HomeItem, Page, Why};
use axum::extract::State;
use axum::Json;
use std::collections::HashSet;

/// Items read a round beyond a page (and one more, to know there is a next): hidden and repeated
/// posts rarely cost a second round, and a page does not read three times what it shows.
const SLACK: usize = 10;
const MAX_ROUNDS: usize = 8;

#[utoipa::path(get, path = "/timeline/home", tag = "social", params(PageQuery),
    security(("session" = [])),
    responses((status = 200, body = Page<HomeItem>), answers::Invalid, answers::Unauthorized))]
pub async fn home_timeline(
    State(state): State<AppState>,
    me: SignedIn,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<HomeItem>>, AppError> {
    let (limit, cursor) = (query.limit()?, query.cursor()?);
    // Items come from home, their posts from the timeline: both must have reached the position.
    let at = list_at(&state, Some(&me), &query, &[home::NAME, timeline::NAME]).await?;
    let db = state.store.db();
    let home_g = state.projections.generation(home::NAME);
    let tables = rows::Tables::of(state.projections.generation(timeline::NAME));
    let mut shown: Vec<(Item, rows::Row)> = vec![];
    let mut seen = HashSet::new();
    let mut below = cursor;
    let mut exhausted = false;
    let round = limit + 1 + SLACK;
    let wide = home::wide_followees(db, home_g, &me.handle).await?;
    for _ in 0..MAX_ROUNDS {
        let items = home::items(db, home_g, &me.handle, &wide, below, round).await?;
        exhausted = items.len() < round;
        below = items.last().map(|item| item.position).or(below);
        let keys: Vec<i64> = items.iter().map(|item| item.post).collect();
        let found = rows::rows_at(db, &tables, &keys).await?;
        for item in items {
            let Some(row) = found.iter().find(|row| -(row.position as i64) == item.post) else {
                continue;
            };
            let by_hidden = item.by.as_ref().is_some_and(|by| at.hidden.contains(by));
            if row.hidden
                || at.hidden.contains(&row.author)
                || by_hidden
                || !seen.insert(row.post_id)
            {
                continue;
            }
            shown.push((item, row.clone()));
        }
        if exhausted || shown.len() > limit {
            break;
        }
    }
    let next = if shown.len() > limit {
        Some(shown[limit - 1].0.position.to_string())
    } else if !exhausted {
        below.map(|position| position.to_string())
    } else {
        None
    };
    shown.truncate(limit);
    let found: Vec<rows::Row> = shown.iter().map(|(_, row)| row.clone()).collect();
    let posts = rows::posts(db, &tables, &found, Some(&me.handle)).await?;
    let items = shown
        .into_iter()
        .zip(posts)
        .map(|((item, _), post)| HomeItem {
            post,
            why: Why {
                kind: item.why,
                handle: item.by,
                position: item.why_at,
            },
        })
        .collect();
    Ok(Json(Page {
        items,
        next,
        position: at.position,
        stale: at.stale,
    }))
}
