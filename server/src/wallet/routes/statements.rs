//! `GET /api/wallet/statements/{year}`: the precomputed statement as JSON, or its movements as CSV
//! (`Accept: text/csv`, or `?format=csv` for a download link). `?source=log` computes it from the
//! log instead, which is slower and is how anyone can check the precomputed one.

use super::WalletQuery;
use crate::http::auth::SignedIn;
use crate::http::error::{ApiPath, ApiQuery, AppError};
use crate::http::openapi::responses as answers;
use crate::http::queries::{consistent, PageQuery};
use crate::state::AppState;
use crate::wallet::read_models::statements::{self, csv_line, CSV_HEADER, NAME};
use app::wire::Statement;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Years a statement can be asked for.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=9999;

#[utoipa::path(get, path = "/wallet/statements/{year}", tag = "wallet",
    params(("year" = String, Path, description = "A year from 2000 to 9999"), WalletQuery,
    PageQuery),
    security(("session" = [])),
    responses(
        (status = 200, content(
            (Statement = "application/json"),
            (String = "text/csv"))), answers::Invalid, answers::Unauthorized, answers::Forbidden,
        answers::NotFound))]
pub async fn statement(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    ApiPath(year): ApiPath<String>,
    ApiQuery(query): ApiQuery<WalletQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, AppError> {
    let year: i32 = year
        .parse()
        .ok()
        .filter(|year| YEARS.contains(year))
        .ok_or_else(|| AppError::Invalid("the year is a number from 2000 to 9999".into()))?;
    let owner = query.owner(&state, &me).await?;
    let (statement, stale) = match query.source.as_deref() {
        None => {
            let (_, stale) = consistent(&state, &[NAME], &page).await;
            let g = state.projections.generation(NAME);
            let statement = statements::statement(state.store.db(), g, &owner, year).await?;
            (statement, stale)
        }
        Some("log") => (
            statements::from_log(&state.store, &owner, year).await?,
            false,
        ),
        Some(_) => return Err(AppError::Invalid("source is log or absent".into())),
    };
    // A year without movements is an empty statement, not an error: it is a true answer.
    let mut statement = statement.unwrap_or_else(|| Statement {
        handle: owner,
        year,
        ..Statement::default()
    });
    statement.stale = stale;
    let wants_csv = query.format.as_deref() == Some("csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/csv"));
    if !wants_csv {
        return Ok(Json(statement).into_response());
    }
    let mut csv = String::from(CSV_HEADER);
    csv.push('\n');
    for movement in &statement.movements {
        csv.push_str(&csv_line(movement));
        csv.push('\n');
    }
    let file = format!(
        "attachment; filename=\"agora-{}-{}.csv\"",
        statement.handle, statement.year
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        csv,
    )
        .into_response())
}
