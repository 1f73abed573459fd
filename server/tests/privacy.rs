//! No secret leaves the server: a password hash is in no event, and a database written before that
//! rule (its `UserRegistered` v1 events hold the hash) shows it on no path out of the store, still
//! signs its people in, and can be rewritten without it.

mod common;

use agora::db::{self, Db};
use common::{ADMIN, PASSWORD};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// What any argon2 hash in PHC format starts with.
const HASH_MARK: &str = "$argon2";

/// A database as the first releases wrote it: `UserRegistered` v1 with the password's hash.
async fn legacy_database() -> Db {
    let db = db::connect("mem://").await.unwrap();
    // The store's schema must exist before raw rows go in.
    agora::ops::open_on(db.clone(), &agora::contexts::registry())
        .await
        .unwrap();
    let hash = agora::credentials::hash_password(PASSWORD).unwrap();
    let id = Uuid::now_v7().to_string();
    let sql = "BEGIN;
        INSERT INTO event { id: 1, position: 1, event_id: $id, stream: 'user-oldtimer', version: 1,
            type: 'UserRegistered', schema: 1,
            data: { user_id: $user_id, handle: 'oldtimer', display_name: 'Old Timer', password_hash: $hash },
            command_id: $id, command_seq: 0, correlation_id: $id, actor: 'oldtimer',
            at: '2020-01-01T00:00:00.000000Z' };
        UPSERT meta:head SET position = 1;
        COMMIT;";
    let vars = json!({ "id": id, "user_id": Uuid::now_v7().to_string(), "hash": hash });
    db::run(&db, sql, vars).await.unwrap();
    db
}

#[track_caller]
fn assert_no_secret(path: &str, text: &str) {
    assert!(
        !text.contains(HASH_MARK),
        "{path} shows a password hash: {text}"
    );
    assert!(
        !text.contains("password_hash"),
        "{path} names a password hash: {text}"
    );
}

#[tokio::test]
async fn no_path_out_of_the_store_shows_a_password_hash() {
    let db = legacy_database().await;
    let app = common::spawn_on(db.clone()).await;

    // The old person signs in with the hash copied out of their event at start.
    let oldtimer = app.client();
    let (status, body) = oldtimer
        .post(
            "/api/auth/signin",
            json!({ "handle": "oldtimer", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = oldtimer
        .post(
            "/api/auth/signin",
            json!({ "handle": "oldtimer", "password": "wrong password" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // New people and a password change: the events say only that they happened.
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    let (status, body) = ann
        .post(
            "/api/me/password",
            json!({ "current": PASSWORD, "new": "a new passphrase" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = ann
        .post(
            "/api/me/password",
            json!({ "current": "not it at all", "new": "another one!" }),
        )
        .await;
    common::assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = ann
        .post(
            "/api/me/password",
            json!({ "current": "a new passphrase", "new": "short" }),
        )
        .await;
    common::assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    let relogin = app.client();
    let (status, _) = relogin
        .post(
            "/api/auth/signin",
            json!({ "handle": "ann", "password": "a new passphrase" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let head = app.head();

    // The export.
    let mut exported = vec![];
    agora::ops::export(&app.state.store, 0, &mut exported)
        .await
        .unwrap();
    let exported = String::from_utf8(exported).unwrap();
    assert_eq!(exported.lines().count() as u64, head);
    assert!(exported.contains("PasswordChanged"));
    assert_no_secret("agora export", &exported);

    // The NDJSON page, for an admin and for a machine token.
    let ndjson = admin
        .http
        .get(app.url("/api/events?after=0&limit=1000"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(ndjson.lines().count() as u64, head);
    assert_no_secret("GET /api/events", &ndjson);
    let (_, token) = admin
        .post("/api/admin/tokens", json!({ "name": "search" }))
        .await;
    let token = token["token"].as_str().unwrap().to_owned();

    // The live feed.
    let mut socket = app.bearer_socket("/api/events/live?after=0", &token).await;
    let mut fed = String::new();
    for _ in 0..head {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(text) = frame {
            fed.push_str(&text);
        }
    }
    assert!(fed.contains("oldtimer"));
    assert_no_secret("/api/events/live", &fed);

    // The admin's event pages, the event itself and the stream at a version.
    for path in [
        "/api/admin/events?limit=100".to_owned(),
        "/api/admin/events?type=UserRegistered".to_owned(),
        "/api/admin/events/1".to_owned(),
        "/api/admin/streams/user-oldtimer?version=1".to_owned(),
        "/api/admin/streams/user-ann".to_owned(),
    ] {
        let (status, body) = admin.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_no_secret(&path, &body.to_string());
    }
    let (_, first) = admin.get("/api/admin/events/1").await;
    assert_eq!(
        first["schema"], 2,
        "the old event is read at its current schema"
    );
    assert_eq!(first["data"]["display_name"], "Old Timer");
}

#[tokio::test]
async fn the_owner_rewrites_the_log_without_the_hash_and_everything_else_comes_through() {
    let legacy = legacy_database().await;
    {
        // Some history after the old event, through the real app.
        let app = common::spawn_on(legacy.clone()).await;
        let ann = app.user("ann").await;
        ann.create_post("hello #world").await;
        app.state.projections.stop().await;
    }
    let stored_before = raw_rows(&legacy).await;
    assert!(
        stored_before.to_string().contains(HASH_MARK),
        "the legacy row holds a hash"
    );

    let copy = db::connect("mem://").await.unwrap();
    let report = agora::ops::rewrite_log_on(legacy.clone(), copy.clone(), &mut std::io::sink())
        .await
        .unwrap();
    assert_eq!(report.events, 3);
    assert_eq!(report.lifted, 1, "only the old registration changed");

    let stored_after = raw_rows(&copy).await;
    assert_no_secret("the rewritten rows", &stored_after.to_string());
    assert!(
        !stored_after.to_string().contains("Old Timer"),
        "the copy seals the display name written in the open"
    );
    let (before, after) = (
        stored_before.as_array().unwrap(),
        stored_after.as_array().unwrap(),
    );
    assert_eq!(before.len(), after.len());
    for (old, new) in before.iter().zip(after) {
        for field in [
            "position",
            "event_id",
            "stream",
            "version",
            "type",
            "command_id",
            "correlation_id",
            "actor",
            "at",
        ] {
            assert_eq!(
                old[field], new[field],
                "{field} of event {}",
                old["position"]
            );
        }
        let mut old_data = old["data"].clone();
        old_data.as_object_mut().unwrap().remove("password_hash");
        // Personal data written in the open before sealing is sealed in the copy; what was
        // sealed already comes through as it was.
        let new_data = new["data"].clone();
        if old_data.get("_sealed").is_none() {
            if let Some(sealed) = new_data.get("_sealed") {
                for field in sealed["fields"].as_array().unwrap() {
                    old_data
                        .as_object_mut()
                        .unwrap()
                        .remove(field.as_str().unwrap());
                }
                old_data["_sealed"] = sealed.clone();
            }
        }
        assert_eq!(old_data, new_data, "the data of event {}", old["position"]);
    }

    // The copy serves: the old person signs in with the credentials that came along.
    let app = common::spawn_on(copy).await;
    let (status, body) = app
        .client()
        .post(
            "/api/auth/signin",
            json!({ "handle": "oldtimer", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A target that already holds events is refused.
    let refused =
        agora::ops::rewrite_log_on(legacy, app.state.store.db().clone(), &mut std::io::sink())
            .await;
    assert!(refused.is_err());
}

async fn raw_rows(db: &Db) -> Value {
    let rows = db::rows(
        db,
        "SELECT * OMIT id FROM event ORDER BY position",
        Value::Null,
    )
    .await
    .unwrap();
    Value::Array(rows)
}
