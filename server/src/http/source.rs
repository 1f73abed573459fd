//! The store as a data source for other systems: machine tokens, and the live feed of envelopes.

use super::auth::{Admin, SourceReader};
use super::error::{ApiJson, ApiQuery, AppError};
use crate::state::AppState;
use crate::store::Store;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    pub name: String,
}

/// `POST /api/admin/tokens {name}` → `{token, name}` for a machine client.
pub async fn issue_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid(
            "a token needs a name of 1 to 100 characters".into(),
        ));
    }
    let token = state
        .sessions
        .issue_machine_token(name, &admin.handle)
        .await?;
    Ok((
        StatusCode::OK,
        Json(json!({ "token": token, "name": name })),
    ))
}

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    pub after: Option<u64>,
}

/// `GET /api/events/live?after=P` (WebSocket): every envelope after P in order, catch-up then live.
pub async fn live_feed(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    _reader: SourceReader,
    ApiQuery(query): ApiQuery<LiveQuery>,
) -> Response {
    let store = state.store.clone();
    ws.on_upgrade(move |socket| feed(socket, store, query.after.unwrap_or(0)))
}

async fn feed(socket: WebSocket, store: Store, after: u64) {
    let (mut sink, mut stream) = socket.split();
    let mut subscription = store.subscribe(after);
    let mut send = tokio::spawn(async move {
        while let Ok(events) = subscription.next_batch(500).await {
            for event in events {
                let text = serde_json::to_string(&event).expect("envelopes serialize");
                if sink.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
        }
    });
    // The client only ever closes; reading notices it (and answers pings).
    let mut receive = tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    tokio::select! {
        _ = &mut send => receive.abort(),
        _ = &mut receive => send.abort(),
    }
}
