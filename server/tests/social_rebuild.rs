//! Every social read model rebuilt from the first event (one large batch after another, as after a
//! version change) answers exactly what it answered live, event by event: the coalescing of a batch
//! (edits twice in a row, a follow and an unfollow together, a reply that mentions) changes nothing.

mod common;

use common::{spawn, ADMIN};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// What every social query answers for these readers, with positions taken out.
async fn answers(readers: &[&common::Client], post: &str) -> Vec<Value> {
    let paths = [
        "/api/timeline/public?limit=100".to_owned(),
        "/api/timeline/home?limit=100".to_owned(),
        "/api/notifications?limit=100".to_owned(),
        "/api/notifications?grouped=true&limit=100".to_owned(),
        "/api/tags/b?limit=100".to_owned(),
        "/api/tags/c?limit=100".to_owned(),
        "/api/users/ann".to_owned(),
        "/api/users/bob/posts?limit=100".to_owned(),
        "/api/users/ann/followers?limit=100".to_owned(),
        format!("/api/posts/{post}"),
        format!("/api/posts/{post}/history"),
        "/api/search?q=words".to_owned(),
    ];
    let mut all = vec![];
    for reader in readers {
        for path in &paths {
            let (status, mut body) = reader.get(path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            strip_positions(&mut body);
            all.push(json!({ "path": path, "body": body }));
        }
    }
    all
}

/// The read models' positions differ between a live and a rebuilt one; nothing else may.
fn strip_positions(value: &mut Value) {
    if let Some(object) = value.as_object_mut() {
        object.remove("position");
        object.remove("stale");
    }
}

#[tokio::test]
async fn every_social_read_model_rebuilt_answers_what_it_answered_live() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let carl = app.user("carl").await;
    bob.act("Follow", json!({ "handle": "ann" })).await;
    carl.act("Follow", json!({ "handle": "ann" })).await;
    let (post, _) = ann.post_text("first words #a").await;
    ann.act(
        "EditPost",
        json!({ "post_id": post, "text": "second words #b" }),
    )
    .await;
    ann.act(
        "EditPost",
        json!({ "post_id": post, "text": "third words #c" }),
    )
    .await;
    bob.act("LikePost", json!({ "post_id": post })).await;
    carl.act("Repost", json!({ "post_id": post })).await;
    bob.act(
        "CreatePost",
        json!({ "text": "@ann agreed #b", "reply_to": post }),
    )
    .await;
    let (gone, _) = bob.post_text("a post that goes #c").await;
    bob.act("DeletePost", json!({ "post_id": gone })).await;
    carl.act("Unfollow", json!({ "handle": "ann" })).await;
    carl.act("Follow", json!({ "handle": "bob" })).await;
    carl.act("Unfollow", json!({ "handle": "bob" })).await;
    ann.act("Mute", json!({ "handle": "carl" })).await;
    let head = ann
        .act("UpdateProfile", json!({ "display_name": "Ann A." }))
        .await;
    for reader in [&ann, &bob, &carl] {
        reader.read("/api/timeline/home", head).await;
        reader.read("/api/notifications", head).await;
        reader.read("/api/search?q=words", head).await;
        reader.read("/api/users/ann", head).await;
    }
    let live = answers(&[&ann, &bob, &carl], &post).await;

    for projector in ["timeline", "people", "home", "notifications", "search"] {
        admin.rebuild(projector).await;
    }
    let rebuilt = answers(&[&ann, &bob, &carl], &post).await;
    for (live, rebuilt) in live.iter().zip(&rebuilt) {
        assert_eq!(live, rebuilt);
    }
    // The batch-sensitive facts, spelled out.
    let (_, tagged_b) = ann.get("/api/tags/b").await;
    assert_eq!(
        tagged_b["items"].as_array().unwrap().len(),
        1,
        "only bob's reply has #b now"
    );
    let (_, notes) = ann.get("/api/notifications").await;
    let kinds: Vec<&str> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["reply", "like", "follow"], "{notes}");
}

/// Rebuilds that finish together all note themselves in one journal record. The fuzzer once made
/// every projector rebuild at once: a switch lost that race after its checkpoint had committed, the
/// rebuild started again and dropped the tables that were serving, and queries answered 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_model_rebuilt_at_once_keeps_answering() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    bob.act("Follow", json!({ "handle": "ann" })).await;
    let (post, _) = ann.post_text("some words #b").await;
    let head = bob.act("LikePost", json!({ "post_id": post })).await;
    for reader in [&ann, &bob] {
        reader.read("/api/timeline/home", head).await;
        reader.read("/api/notifications", head).await;
        reader.read("/api/search?q=words", head).await;
    }
    let live = answers(&[&ann, &bob], &post).await;
    let (_, rows) = admin.get("/api/admin/projections").await;
    let names: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["name"].as_str().unwrap().to_owned())
        .collect();
    // Another node (sharing the database) notes its own rebuilds all the while.
    let db = app.state.store.db().clone();
    let other_node = tokio::spawn(async move {
        loop {
            let _ = agora::db::run(&db, agora::live::journal::rebuilt_at(0), Value::Null).await;
            tokio::task::yield_now().await;
        }
    });
    for _round in 0..3 {
        for name in &names {
            let path = format!("/api/admin/projections/{name}/rebuild");
            let (status, body) = admin.post(&path, json!(null)).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{name}: {body}");
        }
        // Every answer while they run is whole (`answers` insists on 200) and the same as live.
        let mut running = true;
        for _ in 0..100 {
            assert_eq!(answers(&[&ann, &bob], &post).await, live);
            let (_, rows) = admin.get("/api/admin/projections").await;
            running = rows
                .as_array()
                .unwrap()
                .iter()
                .any(|row| row["rebuild"]["finished"] != true);
            if !running {
                break;
            }
        }
        assert!(!running, "the rebuilds never finished");
    }
    other_node.abort();
}
