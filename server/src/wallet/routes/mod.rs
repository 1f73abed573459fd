//! The wallet's HTTP routes (the Wallet section of the contract), nested under `/api`. Each answers
//! for the signed-in person's own account; admins may name any with `?handle=`.

mod statements;

use crate::http::auth::SignedIn;
use crate::http::error::{ApiPath, ApiQuery, AppError};
use crate::http::openapi::responses as answers;
use crate::http::queries::{consistent, PageQuery};
use crate::state::AppState;
use crate::wallet::domain::FUND;
use crate::wallet::read_models::{accounts, movements, transfers, NAME};
use app::wire::{BalanceWhy, Movement, Page, Transfer, Wallet};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Each route with its description (`#[utoipa::path]` on the handler).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(wallet))
        .routes(routes!(movements_page))
        .routes(routes!(transfers_page))
        .routes(routes!(transfer))
        .routes(routes!(why))
        .routes(routes!(statements::statement))
}

/// What a wallet call adds to the page and read-your-writes parameters every query takes
/// (`PageQuery`, read from the same query string).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WalletQuery {
    /// Whose account (admins).
    handle: Option<String>,
    /// `csv` for a statement as CSV (a link cannot set `Accept`).
    format: Option<String>,
    /// `log` for a statement computed from the log instead of the read model.
    source: Option<String>,
}

impl WalletQuery {
    /// Whose account: one's own, or (admins only) the one named: a person, or the fund.
    async fn owner(&self, state: &AppState, me: &SignedIn) -> Result<String, AppError> {
        let handle = match &self.handle {
            Some(handle) if *handle != me.handle => handle,
            _ => return Ok(me.handle.clone()),
        };
        if !me.is_admin {
            return Err(AppError::Forbidden(
                "only admins see someone else's wallet".into(),
            ));
        }
        if handle != FUND && state.bus.person(handle).await?.is_none() {
            return Err(AppError::NotFound(format!("no one is called @{handle}")));
        }
        Ok(handle.clone())
    }
}

#[utoipa::path(get, path = "/wallet", tag = "wallet", params(WalletQuery, PageQuery),
    security(("session" = [])),
    responses((status = 200, body = Wallet), answers::Invalid, answers::Unauthorized,
        answers::Forbidden, answers::NotFound))]
async fn wallet(
    State(state): State<AppState>,
    me: SignedIn,
    ApiQuery(query): ApiQuery<WalletQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Wallet>, AppError> {
    let owner = query.owner(&state, &me).await?;
    let (position, stale) = consistent(&state, &[NAME], &page).await;
    let g = state.projections.generation(NAME);
    let mut wallet = accounts::account(state.store.db(), g, &owner).await?;
    (wallet.position, wallet.stale) = (position, stale);
    Ok(Json(wallet))
}

#[utoipa::path(get, path = "/wallet/movements", tag = "wallet", params(WalletQuery, PageQuery),
    security(("session" = [])),
    responses((status = 200, body = Page<Movement>), answers::Invalid, answers::Unauthorized,
        answers::Forbidden, answers::NotFound))]
async fn movements_page(
    State(state): State<AppState>,
    me: SignedIn,
    ApiQuery(query): ApiQuery<WalletQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<Movement>>, AppError> {
    let owner = query.owner(&state, &me).await?;
    let (limit, cursor) = (page.limit()?, page.cursor()?);
    let (position, stale) = consistent(&state, &[NAME], &page).await;
    let g = state.projections.generation(NAME);
    let (items, next) = movements::page(state.store.db(), g, &owner, cursor, limit).await?;
    Ok(Json(Page {
        items,
        next,
        position,
        stale,
    }))
}

#[utoipa::path(get, path = "/wallet/transfers", tag = "wallet", params(WalletQuery, PageQuery),
    security(("session" = [])),
    responses((status = 200, body = Page<Transfer>), answers::Invalid, answers::Unauthorized,
        answers::Forbidden, answers::NotFound))]
async fn transfers_page(
    State(state): State<AppState>,
    me: SignedIn,
    ApiQuery(query): ApiQuery<WalletQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<Transfer>>, AppError> {
    let owner = query.owner(&state, &me).await?;
    let (limit, cursor) = (page.limit()?, page.cursor()?);
    let (position, stale) = consistent(&state, &[NAME], &page).await;
    let g = state.projections.generation(NAME);
    let (items, next) = transfers::list(state.store.db(), g, &owner, cursor, limit).await?;
    Ok(Json(Page {
        items,
        next,
        position,
        stale,
    }))
}

#[utoipa::path(get, path = "/wallet/transfers/{id}", tag = "wallet",
    params(("id" = String, Path, description = "A transfer's id (a UUID)"), PageQuery),
    security(("session" = [])),
    responses((status = 200, body = TransferAnswer), answers::Invalid, answers::Unauthorized,
        answers::NotFound))]
async fn transfer(
    State(state): State<AppState>,
    me: SignedIn,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<TransferAnswer>, AppError> {
    let not_found = || AppError::NotFound("no such transfer".into());
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let (position, stale) = consistent(&state, &[NAME], &page).await;
    let g = state.projections.generation(NAME);
    let transfer = transfers::transfer(state.store.db(), g, id)
        .await?
        .ok_or_else(not_found)?;
    // Someone else's transfer is answered as absent: its id tells nobody else anything.
    if transfer.from != me.handle && transfer.to != me.handle && !me.is_admin {
        return Err(not_found());
    }
    Ok(Json(TransferAnswer {
        transfer,
        position,
        stale,
    }))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct TransferAnswer {
    #[serde(flatten)]
    transfer: Transfer,
    position: u64,
    stale: bool,
}

#[utoipa::path(get, path = "/wallet/why", tag = "wallet", params(WalletQuery, PageQuery),
    security(("session" = [])),
    responses((status = 200, body = BalanceWhy), answers::Invalid, answers::Unauthorized,
        answers::Forbidden, answers::NotFound))]
async fn why(
    State(state): State<AppState>,
    me: SignedIn,
    ApiQuery(query): ApiQuery<WalletQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<BalanceWhy>, AppError> {
    let owner = query.owner(&state, &me).await?;
    let (limit, cursor) = (page.limit()?, page.cursor()?);
    let (position, stale) = consistent(&state, &[NAME], &page).await;
    let at = page.at.unwrap_or(position).min(position);
    let g = state.projections.generation(NAME);
    let db = state.store.db();
    let (movements, next) = movements::explained(db, g, &owner, at, cursor, limit).await?;
    // The balance at `at` is what the latest movement at or before it left.
    let balance = match (&cursor, movements.first()) {
        (None, Some(latest)) => latest.movement.balance_after,
        (None, None) => 0,
        (Some(_), _) => movements::page(db, g, &owner, Some(at.saturating_add(1)), 1)
            .await?
            .0
            .first()
            .map_or(0, |latest| latest.balance_after),
    };
    Ok(Json(BalanceWhy {
        handle: owner,
        balance,
        at,
        movements,
        next,
        position,
        stale,
    }))
}
