//! The OpenAPI description: served, complete (every route of the contract and of docs/api.md),
//! self-consistent (every reference resolves), readable at `/api/docs`; and the answers it
//! promises for requests the extractors refuse (a bad path, a non-WebSocket request) hold.

mod common;

use common::{assert_error, spawn};
use reqwest::StatusCode;
use serde_json::Value;

/// Every operation of ../shared/API.md and docs/api.md, as the description must name it.
const OPERATIONS: &[(&str, &str)] = &[
    ("post", "/api/auth/signup"),
    ("post", "/api/auth/signin"),
    ("post", "/api/auth/signout"),
    ("get", "/api/me"),
    ("get", "/api/me/data"),
    ("post", "/api/me/password"),
    ("post", "/api/commands"),
    ("get", "/api/timeline/home"),
    ("get", "/api/timeline/public"),
    ("get", "/api/users/{handle}"),
    ("get", "/api/users/{handle}/posts"),
    ("get", "/api/users/{handle}/followers"),
    ("get", "/api/users/{handle}/following"),
    ("get", "/api/posts/{id}"),
    ("get", "/api/posts/{id}/history"),
    ("get", "/api/tags/{tag}"),
    ("get", "/api/search"),
    ("get", "/api/notifications"),
    ("get", "/api/me/muted"),
    ("get", "/api/me/blocked"),
    ("get", "/api/admin/events"),
    ("get", "/api/admin/events/{position}"),
    ("get", "/api/admin/causation/{id}"),
    ("get", "/api/admin/streams/{stream}"),
    ("get", "/api/admin/projections"),
    ("post", "/api/admin/projections/{name}/rebuild"),
    ("post", "/api/admin/projections/{name}/parked/retry"),
    ("get", "/api/admin/policies"),
    ("post", "/api/admin/policies/{name}/parked/retry"),
    ("post", "/api/admin/tokens"),
    ("get", "/api/admin/subscriptions"),
    ("post", "/api/admin/subscriptions/{name}/parked/retry"),
    ("get", "/api/events"),
    ("get", "/api/events/live"),
    ("get", "/api/subscriptions/{name}"),
    ("get", "/api/wallet"),
    ("get", "/api/wallet/movements"),
    ("get", "/api/wallet/transfers"),
    ("get", "/api/wallet/transfers/{id}"),
    ("get", "/api/wallet/why"),
    ("get", "/api/wallet/statements/{year}"),
    ("get", "/ws"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
];

/// Every `$ref` in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_description_names_every_operation_and_every_reference_resolves() {
    let app = spawn().await;
    let (status, doc) = app.client().get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path) in OPERATIONS {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not described");
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.contains_key("503"),
            "{method} {path}: any operation may answer 503"
        );
    }
    let described: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(described, OPERATIONS.len(), "an operation no test names");

    let mut found = vec![];
    references(&doc, &mut found);
    assert!(found.len() > 50, "the schemas are referenced, not inlined");
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target} points outside the schemas"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{target} does not resolve"
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn every_command_type_has_its_payload_described() {
    let app = spawn().await;
    let (_, doc) = app.client().get("/api/openapi.json").await;
    let body = &doc["paths"]["/api/commands"]["post"]["requestBody"]["content"]["application/json"];
    assert_eq!(
        body["schema"]["$ref"],
        "#/components/schemas/CommandRequest"
    );
    let alternatives = doc["components"]["schemas"]["CommandRequest"]["oneOf"]
        .as_array()
        .expect("one alternative per command type")
        .clone();
    let types: Vec<&str> = alternatives
        .iter()
        .map(|a| a["properties"]["type"]["enum"][0].as_str().unwrap())
        .collect();
    for command in [
        "CreatePost",
        "EditPost",
        "Block",
        "DepositMoney",
        "TransferMoney",
    ] {
        assert!(types.contains(&command), "{command} is not described");
    }
    for alternative in &alternatives {
        let required = alternative["required"].as_array().unwrap();
        assert!(required.contains(&"command_id".into()), "{alternative}");
        assert!(alternative["properties"]["payload"].is_object());
    }
    let deposit = alternatives
        .iter()
        .find(|a| a["properties"]["type"]["enum"][0] == "DepositMoney")
        .unwrap();
    let amount = &deposit["properties"]["payload"]["properties"]["amount"];
    assert_eq!(
        (amount["minimum"].as_u64(), amount["maximum"].as_u64()),
        (Some(1), Some(1_000_000_000))
    );
}

#[tokio::test]
async fn the_docs_page_shows_every_operation_without_fetching_anything() {
    let app = spawn().await;
    let response = reqwest::get(app.url("/api/docs")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("text/html"), "{kind}");
    let page = response.text().await.unwrap();
    for (_, path) in OPERATIONS {
        let shown = format!("<code>{path}</code>");
        assert!(page.contains(&shown), "{path} is not on the page");
    }
    assert!(page.contains("id=\"schema-Post\""));
    assert!(
        !page.contains("<script"),
        "the page needs nothing but itself"
    );
    assert!(
        !page.contains("https://"),
        "nothing is fetched from elsewhere"
    );
}

#[tokio::test]
async fn refused_paths_and_handshakes_answer_in_the_contracts_shape() {
    let app = spawn().await;
    let (admin, token) = app.admin_with_token("openapi").await;
    let (status, body) = admin.get("/api/admin/events/not-a-number").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    let (status, body) = admin.get("/api/admin/causation/not-a-uuid").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    // A plain GET where a WebSocket handshake is expected.
    let bearer = format!("Bearer {token}");
    let (status, body) = app
        .client()
        .get_with("/api/events/live", &[("authorization", &bearer)])
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    let (status, body) = app.client().get("/ws").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
}

/// What Schemathesis found (scripts/api-fuzz), kept as tests: each was a 503 from a record id
/// built out of an empty string.
#[tokio::test]
async fn answers_the_fuzzer_found_wrong_stay_right() {
    let app = spawn().await;
    let signout = reqwest::Client::new()
        .post(app.url("/api/auth/signout"))
        .header("cookie", "agora_session=")
        .send()
        .await
        .unwrap();
    assert_eq!(
        signout.status(),
        StatusCode::NO_CONTENT,
        "an empty session ends nothing"
    );
    let admin = app.user(common::ADMIN).await;
    for path in ["/api/wallet?handle=", "/api/wallet/movements?handle=nobody"] {
        let (status, body) = admin.get(path).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, fund) = admin.get("/api/wallet?handle=fund").await;
    assert_eq!(
        (status, fund["handle"].as_str()),
        (StatusCode::OK, Some("fund"))
    );
}
