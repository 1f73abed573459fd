//! The OpenAPI 3.1 description of the HTTP API, at `GET /api/openapi.json`, and a page that reads
//! it at `GET /api/docs`.
//!
//! It is generated, never written: each handler carries a `#[utoipa::path]` attribute and is routed
//! through utoipa-axum's `routes!`, which registers the handler with axum and its description with
//! the document in one step. A route cannot be served without being described. What no attribute
//! can say is added here, once: who may call (the security schemes), the answers any operation may
//! give (503, 413), and the body of `POST /api/commands`, which each context's command handler
//! describes for the types it takes.

mod page;
pub mod responses;

use app::wire::{ErrorBody, ErrorDetail};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use utoipa::openapi::OpenApi;
use utoipa::{PartialSchema, ToSchema};

/// The finished description, served as it is.
#[derive(Clone)]
pub struct Description {
    json: Arc<str>,
    page: Arc<str>,
}

impl Description {
    /// Completes what the routes described: `commands` are the command handlers' schemas, each a
    /// `oneOf` of `{type, payload}` alternatives.
    pub fn new(routes: OpenApi, commands: Vec<Value>) -> Self {
        let mut doc = serde_json::to_value(routes).expect("an OpenAPI document is JSON");
        doc["info"] = json!({
            "title": "Agora",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A social network and a wallet on one event store. Every command answers \
                the position of its last event; every query takes `min_position` to wait for it.",
        });
        let components = doc["components"].as_object_mut().map(std::mem::take);
        let mut components = components.unwrap_or_default();
        add_security_schemes(&mut components);
        add_error_schemas(&mut components);
        components
            .entry("schemas")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("schemas is an object")
            .insert("CommandRequest".into(), command_request(commands));
        doc["components"] = Value::Object(components);
        add_shared_answers(&mut doc);
        let page = page::render(&doc);
        Description {
            json: serde_json::to_string_pretty(&doc)
                .unwrap_or_default()
                .into(),
            page: page.into(),
        }
    }

    pub fn document(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or_default()
    }

    /// `GET /openapi.json` and `GET /docs` (nested under `/api`).
    pub fn routes<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        Router::new()
            .route("/openapi.json", get(json))
            .route("/docs", get(docs))
            .with_state(self)
    }
}

async fn json(State(description): State<Description>) -> Response {
    let json = description.json.to_string();
    ([(CONTENT_TYPE, "application/json")], json).into_response()
}

/// The description as a page, rendered here: nothing is fetched from elsewhere.
async fn docs(State(description): State<Description>) -> Html<String> {
    Html(description.page.to_string())
}

fn add_security_schemes(components: &mut Map<String, Value>) {
    components.insert(
        "securitySchemes".into(),
        json!({
            "session": {
                "type": "apiKey", "in": "cookie", "name": crate::credentials::COOKIE,
                "description": "The session cookie set by `POST /api/auth/signup` and `/signin`.",
            },
            "bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A machine client's token from `POST /api/admin/tokens`: reads the \
                    store as a data source (`/api/events`, `/api/events/live`, `/api/subscriptions`).",
            },
        }),
    );
}

fn add_error_schemas(components: &mut Map<String, Value>) {
    let schemas = components
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("schemas is an object");
    for (name, schema) in [
        (ErrorBody::name(), ErrorBody::schema()),
        (ErrorDetail::name(), ErrorDetail::schema()),
    ] {
        schemas.insert(name.into_owned(), json!(schema));
    }
}

/// Answers any operation may give: 503 when the database is unreachable, and 413 for a body over
/// the limit on every operation that takes one.
fn add_shared_answers(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let has_body = operation.get("requestBody").is_some();
        let responses = operation["responses"].as_object_mut();
        let Some(responses) = responses else { continue };
        let mut add = |status: &str, description: &str| {
            let (status, response) = responses::error(status, description);
            responses.entry(status).or_insert(json!(response));
        };
        add(
            "503",
            "`unavailable`: the service cannot answer now; try again",
        );
        if has_body {
            add("413", "`too_large`: the body is over the limit");
        }
    }
}

/// `POST /api/commands`' body: one alternative per command type, each the handler's
/// `{type, payload}` with the envelope's `command_id` and `expected_version`.
fn command_request(commands: Vec<Value>) -> Value {
    let envelope = json!({
        "command_id": {
            "type": "string", "format": "uuid",
            "description": "Chosen by the client: the idempotency key.",
        },
        "expected_version": {
            "type": ["integer", "null"], "minimum": 0,
            "description": "The version of the target stream the client last saw; 409 if it moved.",
        },
    });
    let mut alternatives = Vec::new();
    for schema in commands {
        let items = match schema.get("oneOf").and_then(Value::as_array) {
            Some(items) => items.clone(),
            None => vec![schema],
        };
        for mut item in items {
            if let Some(properties) = item["properties"].as_object_mut() {
                properties.extend(envelope.as_object().cloned().unwrap_or_default());
            }
            match item["required"].as_array_mut() {
                Some(required) => required.push(json!("command_id")),
                None => item["required"] = json!(["command_id"]),
            }
            alternatives.push(item);
        }
    }
    json!({
        "description": "A command: `type` names it, `payload` carries its fields.",
        "oneOf": alternatives,
    })
}
