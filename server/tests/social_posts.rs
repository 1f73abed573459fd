//! Posts and what people do with them, through the HTTP API: likes (200 at once on one post),
//! reposts, replies and threads, edits and their history, tags, profiles' posts, and deletion
//! reaching every list and count.

mod common;

use common::{assert_error, spawn};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn texts(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|post| post["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn two_hundred_people_liking_one_post_at_once_give_two_hundred_likes() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let (post, _) = ann.post_text("like me").await;
    let likers = app.users("liker", 200).await;
    let answers = futures::future::join_all(
        likers
            .iter()
            .map(|liker| liker.command("LikePost", json!({ "post_id": post }))),
    )
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
    }
    // Liking twice counts once.
    let again = likers[0].act("LikePost", json!({ "post_id": post })).await;
    let head = answers
        .iter()
        .map(|(_, body)| body["position"].as_u64().unwrap())
        .max()
        .unwrap()
        .max(again);
    let thread = likers[0].read(&format!("/api/posts/{post}"), head).await;
    assert_eq!(thread["post"]["likes"], 200);
    assert_eq!(thread["post"]["liked_by_me"], true);
    let seen_by_ann = ann.read(&format!("/api/posts/{post}"), head).await;
    assert_eq!(seen_by_ann["post"]["liked_by_me"], false);

    let position = likers[0]
        .act("UnlikePost", json!({ "post_id": post }))
        .await;
    let thread = likers[0]
        .read(&format!("/api/posts/{post}"), position)
        .await;
    assert_eq!(thread["post"]["likes"], 199);
    assert_eq!(thread["post"]["liked_by_me"], false);
}

#[tokio::test]
async fn a_hundred_people_reposting_one_post_at_once_give_a_hundred_reposts() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let (post, _) = ann.post_text("share me").await;
    let sharers = app.users("sharer", 100).await;
    let answers = futures::future::join_all(
        sharers
            .iter()
            .map(|sharer| sharer.command("Repost", json!({ "post_id": post }))),
    )
    .await;
    let mut head = 0;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        head = head.max(body["position"].as_u64().unwrap());
    }
    let thread = ann.read(&format!("/api/posts/{post}"), head).await;
    assert_eq!(thread["post"]["reposts"], 100);
}

#[tokio::test]
async fn reposts_count_once_and_never_of_ones_own_post() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let (post, _) = ann.post_text("worth sharing").await;
    bob.act("Repost", json!({ "post_id": post })).await;
    let position = bob.act("Repost", json!({ "post_id": post })).await;
    let thread = bob.read(&format!("/api/posts/{post}"), position).await;
    assert_eq!(thread["post"]["reposts"], 1);
    assert_eq!(thread["post"]["reposted_by_me"], true);
    let (status, body) = ann.command("Repost", json!({ "post_id": post })).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule");
    let missing = uuid::Uuid::now_v7();
    let (status, body) = bob.command("Repost", json!({ "post_id": missing })).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_thread_shows_ancestors_and_replies_and_counts_them() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let (root, _) = ann.post_text("the question").await;
    let reply = bob
        .create_post_with(json!({ "text": "an answer", "reply_to": root }))
        .await;
    let reply_id = reply["id"].as_str().unwrap().to_owned();
    let deeper = ann
        .create_post_with(json!({ "text": "a follow-up", "reply_to": reply_id }))
        .await;
    let position = deeper["position"].as_u64().unwrap();

    let thread = ann.read(&format!("/api/posts/{reply_id}"), position).await;
    assert_eq!(thread["post"]["text"], "an answer");
    assert_eq!(thread["post"]["replies"], 1);
    assert_eq!(thread["ancestors"][0]["text"], "the question");
    assert_eq!(thread["replies"][0]["text"], "a follow-up");
    let root_thread = ann.read(&format!("/api/posts/{root}"), position).await;
    assert_eq!(root_thread["post"]["replies"], 1);

    // A reply that is deleted leaves the thread and its parent's count.
    let position = bob.act("DeletePost", json!({ "post_id": reply_id })).await;
    let root_thread = ann.read(&format!("/api/posts/{root}"), position).await;
    assert_eq!(root_thread["post"]["replies"], 0);
    assert_eq!(root_thread["replies"], json!([]));
    let (status, _) = ann.get(&format!("/api/posts/{reply_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_edit_keeps_every_version_and_reparses_tags() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let (post, _) = ann.post_text("first words #draft").await;
    ann.act(
        "EditPost",
        json!({ "post_id": post, "text": "second words" }),
    )
    .await;
    let position = ann
        .act(
            "EditPost",
            json!({ "post_id": post, "text": "final words" }),
        )
        .await;
    let history = ann
        .read(&format!("/api/posts/{post}/history"), position)
        .await;
    assert_eq!(
        texts(&history),
        ["first words #draft", "second words", "final words"]
    );
    let thread = ann.read(&format!("/api/posts/{post}"), position).await;
    assert_eq!(thread["post"]["text"], "final words");
    assert!(thread["post"]["edited_at"].is_string());
    // The tag went with the text that had it; a new one comes with the new text.
    assert_eq!(
        ann.read("/api/tags/draft", position).await["items"],
        json!([])
    );
    let position = ann
        .act(
            "EditPost",
            json!({ "post_id": post, "text": "final words #done" }),
        )
        .await;
    assert_eq!(
        texts(&ann.read("/api/tags/done", position).await),
        ["final words #done"]
    );

    let (status, body) = bob
        .command("EditPost", json!({ "post_id": post, "text": "hijacked" }))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = ann
        .command("EditPost", json!({ "post_id": post, "text": "  " }))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    assert_eq!(app.head(), position, "a refused edit writes nothing");
}

#[tokio::test]
async fn tag_and_profile_timelines_list_the_right_posts_and_leave_deleted_ones_out() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let (first, _) = ann.post_text("learning #Rust today").await;
    bob.post_text("also #rust").await;
    let (_, position) = ann.post_text("no tag here").await;

    let tagged = ann.read("/api/tags/rust", position).await;
    assert_eq!(texts(&tagged), ["also #rust", "learning #Rust today"]);
    let anns = ann.read("/api/users/ann/posts", position).await;
    assert_eq!(texts(&anns), ["no tag here", "learning #Rust today"]);
    let paged = ann.read("/api/users/ann/posts?limit=1", position).await;
    let next = paged["next"].as_str().unwrap();
    let rest = ann
        .read(
            &format!("/api/users/ann/posts?limit=1&cursor={next}"),
            position,
        )
        .await;
    assert_eq!(texts(&rest), ["learning #Rust today"]);

    let position = ann.act("DeletePost", json!({ "post_id": first })).await;
    let tagged = ann.read("/api/tags/rust", position).await;
    assert_eq!(texts(&tagged), ["also #rust"]);
    let profile = ann.read("/api/users/ann", position).await;
    assert_eq!(profile["posts"], 1);
}

#[tokio::test]
async fn bad_social_commands_are_refused_with_the_contract_shape_and_write_nothing() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let head = app.head();
    for (command_type, payload, status, code) in [
        ("LikePost", json!({}), StatusCode::BAD_REQUEST, "invalid"),
        (
            "LikePost",
            json!({ "post_id": "nope" }),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "LikePost",
            json!({ "post_id": uuid::Uuid::now_v7() }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "Follow",
            json!({ "handle": "ann" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule",
        ),
        (
            "Follow",
            json!({ "handle": "nobody" }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "Follow",
            json!({ "handle": 5 }),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "Mute",
            json!({ "handle": "ann" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule",
        ),
        (
            "Block",
            json!({ "handle": "nobody" }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "MarkNotificationsRead",
            json!({ "up_to": 0 }),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "MarkNotificationsRead",
            json!({ "up_to": -1 }),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "EditPost",
            json!({ "post_id": uuid::Uuid::now_v7(), "text": "x" }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "Unfollow",
            json!({ "handle": "bob", "follower": "carl" }),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
    ] {
        let (got, body) = ann.command(command_type, payload.clone()).await;
        assert_error(got, &body, status, code);
        assert_eq!(app.head(), head, "{command_type} {payload} wrote something");
    }
}
