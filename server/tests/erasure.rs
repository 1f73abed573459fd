//! Erasure by crypto-shredding: a person's words are sealed with their key from the first event,
//! so the stored log never holds them in the open; `EraseUser` destroys the key, and every read
//! model, search, the export, the admin's pages, time travel and open sockets forget the person,
//! while positions, versions and causation stay whole.

mod common;

use common::live::{connect_as, frames_until_quiet, next_frame, send};
use common::{assert_error, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const SECRET: &str = "quietly";

/// Ann writes: a profile, a post that mentions and tags, an edit, a report, a tip with a memo; bob
/// follows her and replies. Answers ann's post id and the transfer id.
async fn ann_has_a_past(ann: &Client, bob: &Client) -> (String, String) {
    bob.act("Follow", json!({ "handle": "ann" })).await;
    ann.act(
        "UpdateProfile",
        json!({ "display_name": format!("Ann {SECRET}"), "bio": format!("lives {SECRET}") }),
    )
    .await;
    let (post, _) = ann.post_text(&format!("{SECRET} hello @bob #hush")).await;
    ann.act(
        "EditPost",
        json!({ "post_id": post, "text": format!("{SECRET} hello again @bob #hush") }),
    )
    .await;
    bob.create_post_with(json!({ "text": "a reply by bob", "reply_to": post }))
        .await;
    let (bobs, _) = bob.post_text("bob's own post").await;
    ann.act(
        "ReportPost",
        json!({ "post_id": bobs, "reason": format!("{SECRET} reason") }),
    )
    .await;
    ann.act("DepositMoney", json!({ "amount": 100 })).await;
    let (status, body) = ann
        .command(
            "TransferMoney",
            json!({ "to": "bob", "amount": 10, "memo": format!("for {SECRET} things") }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let transfer = body["id"].as_str().unwrap().to_owned();
    (post, transfer)
}

/// The raw rows of the event table, as text: what is on disk.
async fn stored_log(app: &TestApp) -> String {
    let rows = agora::db::rows(app.state.store.db(), "SELECT * FROM event", Value::Null)
        .await
        .unwrap();
    serde_json::to_string(&rows).unwrap()
}

#[track_caller]
fn assert_forgotten(path: &str, text: &str) {
    assert!(
        !text.contains(SECRET),
        "{path} still shows ann's words: {text}"
    );
}

#[tokio::test]
async fn an_erased_person_is_forgotten_everywhere_but_the_log_stays_whole() {
    let app = common::spawn().await;
    let (admin, token) = app.admin_with_token("exporter").await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let (post, transfer) = ann_has_a_past(&ann, &bob).await;

    // Sealed from the first event: the stored rows never held the words in the open…
    assert_forgotten("the stored log", &stored_log(&app).await);
    // …while every reader sees them, and ann can download all she did.
    let head = app.head();
    let public = bob.read("/api/timeline/public", head).await;
    assert!(public.to_string().contains(SECRET), "{public}");
    let (status, download) = ann.get("/api/me/data").await;
    assert_eq!(status, StatusCode::OK);
    let download = download.as_str().unwrap().to_owned();
    let lines: Vec<Value> = download
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(lines
        .iter()
        .all(|event| event["metadata"]["actor"] == "ann"));
    assert!(lines.iter().any(|event| event["type"] == "PostCreated"
        && event["data"]["text"].as_str().unwrap().contains(SECRET)));
    assert!(lines
        .iter()
        .any(|event| event["type"] == "TransferRequested"));

    // A socket of bob's on his home and the public timeline.
    let mut socket = connect_as(&app, &bob).await;
    for topic in ["home", "public"] {
        send(&mut socket, json!({ "op": "subscribe", "topic": topic })).await;
        assert_eq!(next_frame(&mut socket).await["op"], "subscribed");
    }

    // Only ann herself (or an admin) erases ann; a refusal writes nothing.
    let before = app.head();
    let (status, body) = bob.command("EraseUser", json!({ "handle": "ann" })).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = admin
        .command("EraseUser", json!({ "handle": "nobody_here" }))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(app.head(), before);

    let (status, erased) = ann.command("EraseUser", json!({ "handle": "ann" })).await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    let at = erased["position"].as_u64().unwrap();
    assert_eq!(erased["events"][0]["type"], "UserErased");

    // The open page hears of it at once: the post leaves public, then every topic refetches.
    let frames = frames_until_quiet(&mut socket, Duration::from_secs(3)).await;
    assert!(
        frames
            .iter()
            .any(|f| f["op"] == "change" && f["kind"] == "remove" && f["data"] == json!(post)),
        "{frames:?}"
    );
    assert!(frames.iter().any(|f| f["op"] == "resync"), "{frames:?}");

    // Ann is signed out for good and her handle is not given again.
    let (status, _) = ann.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app.client().signup("ann").await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");

    // Every read model has forgotten her.
    for path in [
        "/api/timeline/public".to_owned(),
        "/api/timeline/home".to_owned(),
        "/api/notifications".to_owned(),
        "/api/search?q=quietly".to_owned(),
        "/api/search?q=ann".to_owned(),
        "/api/tags/hush".to_owned(),
        "/api/users/bob/followers".to_owned(),
        format!("/api/wallet/transfers/{transfer}"),
    ] {
        let body = bob.read(&path, at).await;
        assert_forgotten(&path, &body.to_string());
    }
    let search = bob.read("/api/search?q=quietly", at).await;
    assert_eq!(search["posts"], json!([]), "{search}");
    let (status, body) = bob.get("/api/users/ann").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("erased"));
    let (_, thread) = bob.get(&format!("/api/posts/{post}")).await;
    assert_forgotten("the thread", &thread.to_string());

    // The export, the admin's pages and time travel carry her events without her words.
    let (status, export) = app
        .client()
        .get_with(
            "/api/events?limit=10000",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let export = export.as_str().unwrap().to_owned();
    assert_forgotten("the export", &export);
    let events: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let positions: Vec<u64> = events
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    assert_eq!(
        positions,
        (1..=app.head()).collect::<Vec<_>>(),
        "the log stays whole"
    );
    let created = events
        .iter()
        .find(|e| e["type"] == "PostCreated" && e["metadata"]["actor"] == "ann")
        .unwrap();
    assert_eq!(created["metadata"]["personal"]["erased"], true, "{created}");
    assert!(created["data"].get("text").is_none(), "{created}");
    // The live feed from the start: every event, none with her words.
    let mut feed = app.bearer_socket("/api/events/live?after=0", &token).await;
    let fed = frames_until_quiet(&mut feed, Duration::from_millis(500)).await;
    assert_eq!(fed.len() as u64, app.head(), "the feed carries every event");
    assert_forgotten("the live feed", &serde_json::to_string(&fed).unwrap());
    for path in [
        "/api/admin/events?actor=ann&limit=100".to_owned(),
        format!("/api/admin/streams/post-{post}?version=1"),
        format!("/api/admin/streams/post-{post}"),
        "/api/admin/streams/user-ann".to_owned(),
    ] {
        let (status, body) = admin.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_forgotten(&path, &body.to_string());
    }

    // A rebuild after the erasure still shows nothing of her.
    for projector in ["timeline", "search", "people"] {
        admin.rebuild(projector).await;
    }
    for path in [
        "/api/timeline/public",
        "/api/search?q=quietly",
        "/api/tags/hush",
    ] {
        let body = bob.read(path, app.head()).await;
        assert_forgotten(path, &body.to_string());
    }
    let (status, _) = bob.get("/api/users/ann").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // What the runtime kept beside the log is gone: her sessions and her password's hash.
    let db = app.state.store.db();
    let sessions = agora::db::rows(
        db,
        "SELECT * FROM session WHERE handle = 'ann'",
        Value::Null,
    )
    .await
    .unwrap();
    assert!(sessions.is_empty(), "{sessions:?}");
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_an_error_that_names_the_person() {
    let app = common::spawn().await;
    let ann = app.user("ann").await;
    let (post, _) = ann.post_text("words under a key").await;
    let db = app.state.store.db().clone();
    // The key store damaged behind the server: another store on the same database reads it fresh.
    let registry = agora::contexts::registry();
    for damage in [
        "UPDATE person_key:ann SET secret = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='",
        "DELETE person_key:ann",
    ] {
        agora::db::run(&db, damage, Value::Null).await.unwrap();
        let store = agora::ops::open_on(db.clone(), &registry).await.unwrap();
        let error = store
            .read_stream(&format!("post-{post}"), 0)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("ann"), "{damage}: {error}");
    }
}

#[tokio::test]
async fn the_key_store_survives_a_kill() {
    let dir = std::env::temp_dir().join(format!("agora-keys-{}", uuid::Uuid::now_v7()));
    let db = format!("surrealkv://{}", dir.display());
    let server = common::Process::start(&db).await;
    let ann = server.client();
    let (status, body) = ann.signup("ann").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = ann
        .command("CreatePost", json!({ "text": "survives a kill" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let position = body["position"].as_u64().unwrap();
    server.kill().await;
    // The key was durable before the event sealed with it: the post opens after the restart.
    let server = common::Process::start(&db).await;
    let body = server.client().read("/api/timeline/public", position).await;
    assert!(body.to_string().contains("survives a kill"), "{body}");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
