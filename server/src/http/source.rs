//! The store as a data source for other systems: machine tokens, and the live feed of envelopes.

use super::auth::{Admin, SourceReader};
use super::error::{ApiJson, ApiPath, ApiQuery, AppError, Upgrade};
use crate::deliveries::{self, Delivery, HandlerFrame, DEFAULT_ACK_TIMEOUT};
use crate::http::openapi::responses as answers;
use crate::live::unreadable_close;
use crate::state::AppState;
use crate::store::Store;
use app::wire::SubscriptionRow;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

/// `POST /api/admin/tokens {name}` → `{token, name}` for a machine client.
#[utoipa::path(post, path = "/admin/tokens", tag = "admin", security(("session" = [])),
    request_body = TokenRequest,
    responses((status = 200, body = IssuedToken), answers::Invalid, answers::Unauthorized,
        answers::Forbidden))]
pub async fn issue_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Json<IssuedToken>, AppError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid(
            "a token needs a name of 1 to 100 characters".into(),
        ));
    }
    let token = state
        .credentials
        .issue_machine_token(name, &admin.handle)
        .await?;
    let name = name.to_owned();
    Ok(Json(IssuedToken { token, name }))
}

/// A machine client's token: `Authorization: Bearer <token>`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    pub name: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiveQuery {
    /// Start after this position (0, the default: from the first event).
    pub after: Option<u64>,
}

/// `GET /api/events/live?after=P` (WebSocket): every envelope after P in order, catch-up then live.
#[utoipa::path(get, path = "/events/live", tag = "store", params(LiveQuery),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 101, description = "A WebSocket: each text frame one envelope,
        in position order"), answers::Invalid, answers::Unauthorized, answers::Forbidden))]
pub async fn live_feed(
    Upgrade(ws): Upgrade,
    State(state): State<AppState>,
    _reader: SourceReader,
    ApiQuery(query): ApiQuery<LiveQuery>,
) -> Response {
    let store = state.store.clone();
    limited(ws).on_upgrade(move |socket| feed(socket, store, query.after.unwrap_or(0)))
}

/// A reader of the store sends only small frames (an ack, a close): a larger one ends the
/// connection at the protocol level (1009) instead of being buffered (tungstenite's default
/// would take 64 MiB a message).
fn limited(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    const MAX_MESSAGE: usize = 64 * 1024;
    ws.read_buffer_size(4 * 1024)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
}

async fn feed(socket: WebSocket, store: Store, after: u64) {
    let (mut sink, mut stream) = socket.split();
    let mut subscription = store.subscribe(after);
    loop {
        tokio::select! {
            // Cancel-safe: the subscription moves its position only once a read returned.
            batch = subscription.next_batch(500) => {
                let Ok(events) = batch else { return };
                for event in events {
                    let text = serde_json::to_string(&event).expect("envelopes serialize");
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
            }
            // The client only ever closes; reading notices it (and answers pings).
            message = stream.next() => match message {
                Some(Ok(Message::Close(_))) | None => return,
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    let _ = sink.send(unreadable_close(&error)).await;
                    return;
                }
            },
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// How long an event may stay unacknowledged before it is delivered again (≥ 100 ms).
    pub ack_timeout_ms: Option<u64>,
}

/// `GET /api/subscriptions/{name}` (WebSocket): a named subscription whose handler acknowledges;
/// the frames are in `crate::deliveries`.
#[utoipa::path(get, path = "/subscriptions/{name}", tag = "store",
    params(("name" = String, Path, description = "The subscription's name: 1 to 64 of a-z, 0-9,
    _ and -"),
        DeliveryQuery),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 101,
        description = "A WebSocket whose handler acknowledges each event (docs/api.md)"),
        answers::Invalid, answers::Unauthorized, answers::Forbidden))]
pub async fn subscription(
    Upgrade(ws): Upgrade,
    State(state): State<AppState>,
    _reader: SourceReader,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> Result<Response, AppError> {
    let valid = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !valid {
        return Err(AppError::Invalid(
            "a subscription name is 1 to 64 of a-z, 0-9, _ and -".into(),
        ));
    }
    let timeout = query
        .ack_timeout_ms
        .map_or(DEFAULT_ACK_TIMEOUT, Duration::from_millis)
        .max(Duration::from_millis(100));
    let delivery = Delivery::resume(state.store.clone(), &name, timeout).await?;
    let store = state.store.clone();
    Ok(limited(ws).on_upgrade(move |socket| deliver(socket, store, delivery)))
}

async fn deliver(socket: WebSocket, store: Store, mut delivery: Delivery) {
    let (mut sink, mut stream) = socket.split();
    let mut head = store.watch_head();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        let mut frames = match delivery.fill().await {
            Ok(frames) => frames,
            Err(error) => return tracing::error!(error = format!("{error:#}"), "delivery stopped"),
        };
        frames.extend(delivery.overdue());
        for frame in frames {
            if sink
                .send(Message::Text(frame.to_string().into()))
                .await
                .is_err()
            {
                return;
            }
        }
        let answer = tokio::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<HandlerFrame>(text.as_str()) {
                    Ok(frame) => match delivery.handle(frame).await {
                        Ok(notes) => notes,
                        Err(error) => return tracing::error!(error = format!("{error:#}"), "delivery stopped"),
                    },
                    Err(error) => vec![json!({ "op": "error", "code": "invalid", "message": error.to_string() })],
                },
                Some(Ok(Message::Close(_))) | None => return,
                Some(Err(error)) => {
                    let _ = sink.send(unreadable_close(&error)).await;
                    return;
                }
                Some(Ok(_)) => vec![],
            },
            _ = head.changed() => vec![],
            _ = tick.tick() => vec![],
        };
        for frame in answer {
            if sink
                .send(Message::Text(frame.to_string().into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// `GET /api/admin/subscriptions`: each named subscription's position, lag and parked events.
#[utoipa::path(get, path = "/admin/subscriptions", tag = "admin", security(("session" = [])),
    responses((status = 200, body = Vec<SubscriptionRow>), answers::Unauthorized,
        answers::Forbidden))]
pub async fn list_subscriptions(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<SubscriptionRow>>, AppError> {
    Ok(Json(deliveries::list(&state.store).await?))
}

/// `POST /api/admin/subscriptions/{name}/parked/retry`: 202; the parked events are delivered
/// again when the handler next connects, and leave the parked list when it acknowledges them.
#[utoipa::path(post, path = "/admin/subscriptions/{name}/parked/retry", tag = "admin",
    params(("name" = String, Path, description = "A subscription's name")),
    security(("session" = [])),
    responses((status = 202, description = "The parked events come first at the next connect"),
        answers::Unauthorized, answers::Forbidden))]
pub async fn retry_subscription_parked(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(name): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    deliveries::retry_parked(&state.store, &name).await?;
    Ok(StatusCode::ACCEPTED)
}
