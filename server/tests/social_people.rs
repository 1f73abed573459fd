//! People and how they relate, through the HTTP API: follows (many at once on one person), profiles
//! and their counts, follower lists, and mutes and blocks that reach back to the past.

mod common;

use common::{assert_error, spawn, ADMIN};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn handles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["handle"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn follows_count_once_and_show_on_both_profiles() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    bob.act("Follow", json!({ "handle": "ann" })).await;
    let position = bob.act("Follow", json!({ "handle": "ann" })).await;
    let profile = bob.read("/api/users/ann", position).await;
    assert_eq!(profile["followers"], 1);
    assert_eq!(profile["you_follow"], true);
    assert_eq!(profile["follows_you"], false);
    assert_eq!(profile["display_name"], "ANN");
    let bobs = ann.read("/api/users/bob", position).await;
    assert_eq!(bobs["following"], 1);
    assert_eq!(bobs["follows_you"], true);
    assert_eq!(
        handles(&ann.read("/api/users/ann/followers", position).await),
        ["bob"]
    );
    assert_eq!(
        handles(&ann.read("/api/users/bob/following", position).await),
        ["ann"]
    );

    let position = bob.act("Unfollow", json!({ "handle": "ann" })).await;
    let profile = bob.read("/api/users/ann", position).await;
    assert_eq!(profile["followers"], 0);
    assert_eq!(profile["you_follow"], false);
    let (status, body) = bob.get("/api/users/nobody").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_hundred_people_following_one_person_at_once_all_count() {
    let app = spawn().await;
    let star = app.user("star").await;
    let fans = app.users("fan", 100).await;
    let answers = futures::future::join_all(
        fans.iter()
            .map(|fan| fan.command("Follow", json!({ "handle": "star" }))),
    )
    .await;
    let mut head = 0;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        head = head.max(body["position"].as_u64().unwrap());
    }
    let profile = star.read("/api/users/star", head).await;
    assert_eq!(profile["followers"], 100);
    // Keyset pages over the followers, in handle order.
    let mut seen = vec![];
    let mut cursor = String::new();
    loop {
        let page = star
            .read(&format!("/api/users/star/followers?limit=30{cursor}"), head)
            .await;
        seen.extend(handles(&page));
        match page["next"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 100);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
}

#[tokio::test]
async fn a_mute_reaches_back_to_past_posts_and_notifications_and_an_unmute_brings_them_back() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    ann.act("Follow", json!({ "handle": "bob" })).await;
    let (anns_post, _) = ann.post_text("hello world").await;
    bob.post_text("noise from bob").await;
    let position = bob.act("LikePost", json!({ "post_id": anns_post })).await;
    let before = ann.read("/api/timeline/public", position).await;
    assert_eq!(before["items"].as_array().unwrap().len(), 2);
    let notes = ann.read("/api/notifications", position).await;
    assert_eq!(notes["unread"], 1);

    let position = ann.act("Mute", json!({ "handle": "bob" })).await;
    let muted = ann.read("/api/timeline/public", position).await;
    assert_eq!(muted["items"][0]["text"], "hello world");
    assert_eq!(muted["items"].as_array().unwrap().len(), 1);
    let home = ann.read("/api/timeline/home", position).await;
    assert_eq!(home["items"].as_array().unwrap().len(), 1);
    let notes = ann.read("/api/notifications", position).await;
    assert_eq!(notes["items"], json!([]));
    assert_eq!(notes["unread"], 0);
    assert_eq!(handles(&ann.read("/api/me/muted", position).await), ["bob"]);
    // Others still see bob.
    let others = bob.read("/api/timeline/public", position).await;
    assert_eq!(others["items"].as_array().unwrap().len(), 2);

    let position = ann.act("Unmute", json!({ "handle": "bob" })).await;
    let back = ann.read("/api/timeline/public", position).await;
    assert_eq!(back["items"].as_array().unwrap().len(), 2);
}

/// Lists hide muted people using the people read model, a projector of its own. While it is
/// behind a Mute, every list read at the Mute's position must say it is stale, not pass off a page
/// that still shows the muted person as up to date. The people projector is held back the way a
/// real fault holds it: a write it cannot make, retried, then parked.
#[tokio::test]
async fn a_list_read_while_the_mutes_are_behind_is_stale_until_the_mute_is_applied() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    ann.act("Follow", json!({ "handle": "bob" })).await;
    bob.post_text("noise from bob").await;
    let db = app.state.store.db();
    // An operator's mistake: the mutes' table now refuses the position a mute is kept with.
    let break_mutes = "DEFINE FIELD position ON muted_g1 TYPE string";
    agora::db::run(db, break_mutes, Value::Null).await.unwrap();

    let position = ann.act("Mute", json!({ "handle": "bob" })).await;
    for list in [
        "/api/timeline/public",
        "/api/timeline/home",
        "/api/users/bob/posts",
    ] {
        let (status, page) = ann
            .get(&format!("{list}?min_position={position}&wait_ms=50"))
            .await;
        assert_eq!(status, StatusCode::OK, "{list}: {page}");
        assert_eq!(page["stale"], true, "{list}: {page}");
        assert!(
            page["position"].as_u64().unwrap() < position,
            "{list}: {page}"
        );
    }

    admin
        .wait_for_row("/api/admin/projections", "people", |s| s["parked"] == 1)
        .await;
    let remove = "REMOVE FIELD position ON muted_g1";
    agora::db::run(db, remove, Value::Null).await.unwrap();
    let (status, _) = admin
        .post("/api/admin/projections/people/parked/retry", json!(null))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    admin
        .wait_for_row("/api/admin/projections", "people", |s| s["parked"] == 0)
        .await;
    for list in [
        "/api/timeline/public",
        "/api/timeline/home",
        "/api/users/bob/posts",
    ] {
        let page = ann.read(list, position).await;
        assert_eq!(page["items"], json!([]), "{list}: {page}");
    }
}

#[tokio::test]
async fn a_block_ends_follows_both_ways_and_keeps_the_blocked_person_away() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    ann.act("Follow", json!({ "handle": "bob" })).await;
    bob.act("Follow", json!({ "handle": "ann" })).await;
    let (post, _) = ann.post_text("my post").await;
    let position = ann.act("Block", json!({ "handle": "bob" })).await;

    // The blocking policy ends both follows, caused by the block.
    let mut profile = ann.read("/api/users/ann", position).await;
    for _ in 0..100 {
        if profile["followers"] == 0 && profile["following"] == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        profile = ann.read("/api/users/ann", app.head()).await;
    }
    assert_eq!(profile["followers"], 0, "{profile}");
    assert_eq!(profile["following"], 0, "{profile}");

    for (command_type, payload) in [
        ("Follow", json!({ "handle": "ann" })),
        ("LikePost", json!({ "post_id": post })),
        ("Repost", json!({ "post_id": post })),
        (
            "CreatePost",
            json!({ "text": "let me in", "reply_to": post }),
        ),
    ] {
        let (status, body) = bob.command(command_type, payload).await;
        assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule");
    }
    // Both ways: neither sees the other's posts.
    let head = app.head();
    let bobs_view = bob.read("/api/timeline/public", head).await;
    assert_eq!(bobs_view["items"], json!([]));
    assert_eq!(handles(&ann.read("/api/me/blocked", head).await), ["bob"]);

    let position = ann.act("Unblock", json!({ "handle": "bob" })).await;
    bob.act("Follow", json!({ "handle": "ann" })).await;
    let view = bob.read("/api/timeline/public", position).await;
    assert_eq!(view["items"][0]["text"], "my post");
}
