//! The feeds built for one person: the home timeline with why each item is there, notifications
//! (single and grouped, with the unread count), and search.

mod common;

use common::spawn;
use serde_json::{json, Value};

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().unwrap()
}

#[tokio::test]
async fn home_holds_own_posts_followees_posts_reposts_and_mentions_each_with_why() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let carl = app.user("carl").await;
    // Bob's earlier posts come in with the follow.
    bob.post_text("bob before the follow").await;
    ann.act("Follow", json!({ "handle": "bob" })).await;
    ann.post_text("ann's own").await;
    bob.post_text("bob after the follow").await;
    let (carls, _) = carl.post_text("carl, not followed").await;
    bob.act("Repost", json!({ "post_id": carls })).await;
    let position = carl.act("CreatePost", json!({ "text": "hey @ann" })).await;

    let home = ann.read("/api/timeline/home", position).await;
    let seen: Vec<(String, String)> = items(&home)
        .iter()
        .map(|item| {
            (
                item["text"].as_str().unwrap().to_owned(),
                item["why"]["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |text: &str, why: &str| (text.to_owned(), why.to_owned());
    assert_eq!(
        seen,
        [
            expect("hey @ann", "mention"),
            expect("carl, not followed", "repost"),
            expect("bob after the follow", "follow"),
            expect("ann's own", "own"),
            expect("bob before the follow", "follow"),
        ]
    );
    assert_eq!(items(&home)[1]["why"]["handle"], "bob");
    assert!(items(&home)[0]["why"]["position"].as_u64().unwrap() <= position);

    // Unfollowing takes bob's posts and reposts out again.
    let position = ann.act("Unfollow", json!({ "handle": "bob" })).await;
    let home = ann.read("/api/timeline/home", position).await;
    let texts: Vec<&str> = items(&home)
        .iter()
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["hey @ann", "ann's own"]);
}

#[tokio::test]
async fn notifications_tell_of_follows_likes_reposts_replies_and_mentions() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let people = app.users("fan", 3).await;
    let (post, _) = ann.post_text("notice me").await;
    for fan in &people {
        fan.act("LikePost", json!({ "post_id": post })).await;
        fan.act("Follow", json!({ "handle": "ann" })).await;
    }
    people[0].act("Repost", json!({ "post_id": post })).await;
    people[1]
        .act("CreatePost", json!({ "text": "a reply", "reply_to": post }))
        .await;
    let position = people[2]
        .act("CreatePost", json!({ "text": "cc @ann" }))
        .await;
    // Her own like notifies nobody.
    ann.act("LikePost", json!({ "post_id": post })).await;

    let single = ann.read("/api/notifications", position).await;
    let kinds: Vec<&str> = items(&single)
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 9, "{single}");
    assert_eq!(kinds[0], "mention");
    assert_eq!(kinds[1], "reply");
    assert_eq!(single["unread"], 9);
    assert_eq!(items(&single)[2]["post"]["text"], "notice me");
    assert_eq!(items(&single)[0]["actor"]["display_name"], "FAN2");

    let grouped = ann.read("/api/notifications?grouped=true", position).await;
    let groups = items(&grouped);
    let likes = groups.iter().find(|g| g["kind"] == "like").unwrap();
    assert_eq!(likes["count"], 3);
    assert_eq!(likes["actors"][0]["handle"], "fan2", "newest first");
    let follows = groups.iter().find(|g| g["kind"] == "follow").unwrap();
    assert_eq!(follows["count"], 3);
    assert_eq!(
        groups.len(),
        5,
        "mention, reply, repost, follows, likes: {grouped}"
    );

    let newest = items(&single)[0]["position"].as_u64().unwrap();
    let position = ann
        .act("MarkNotificationsRead", json!({ "up_to": newest - 3 }))
        .await;
    let after = ann.read("/api/notifications", position).await;
    assert!(after["unread"].as_u64().unwrap() < 9);
    let position = ann
        .act("MarkNotificationsRead", json!({ "up_to": newest }))
        .await;
    let after = ann.read("/api/notifications", position).await;
    assert_eq!(after["unread"], 0);
    assert_eq!(items(&after)[0]["read"], true);
}

/// The unread count goes on past what a page reads (100 rows a round), leaves out muted people
/// even there, stops at 100 ("99+"), and is the same on every page.
#[tokio::test]
async fn unread_counts_past_the_page_and_stops_at_a_hundred() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let (fan, bob) = (app.user("fan").await, app.user("bob").await);
    let mut posts = vec![];
    for n in 0..140 {
        posts.push(ann.post_text(&format!("post {n}")).await.0);
    }
    let mut position = 0;
    for post in &posts[..110] {
        position = fan.act("LikePost", json!({ "post_id": post })).await;
    }
    let page = ann.read("/api/notifications?limit=5", position).await;
    assert_eq!(page["unread"], 100, "110 unread say 99+: {page}");

    // Bob's 30 likes are the newest; once he is muted, a page's first 100 rows show 70.
    for post in &posts[110..] {
        bob.act("LikePost", json!({ "post_id": post })).await;
    }
    position = ann.act("Mute", json!({ "handle": "bob" })).await;
    let page = ann.read("/api/notifications?limit=5", position).await;
    assert_eq!(
        page["unread"], 100,
        "counted on below the first round: {page}"
    );
    let next = page["next"].as_str().unwrap();
    let later = ann
        .read(
            &format!("/api/notifications?limit=5&cursor={next}"),
            position,
        )
        .await;
    assert_eq!(later["unread"], 100, "the same on a later page: {later}");

    let page = ann.read("/api/notifications?limit=60", position).await;
    let mark = items(&page)[20]["position"].as_u64().unwrap();
    position = ann
        .act("MarkNotificationsRead", json!({ "up_to": mark }))
        .await;
    let page = ann.read("/api/notifications?limit=5", position).await;
    assert_eq!(page["unread"], 20, "fan's 20 above the mark: {page}");
    position = ann.act("Unmute", json!({ "handle": "bob" })).await;
    let page = ann.read("/api/notifications?limit=5", position).await;
    assert_eq!(page["unread"], 50, "and bob's 30 again: {page}");
}

#[tokio::test]
async fn search_ranks_posts_by_relevance_and_finds_people_by_prefix() {
    let app = spawn().await;
    let ann = app.user("annabel").await;
    let bob = app.user("bob").await;
    ann.post_text("rust rust rust, all about rust").await;
    bob.post_text("I once wrote some rust").await;
    let (gone, _) = bob.post_text("rust that will be deleted").await;
    ann.post_text("nothing relevant").await;
    let position = bob.act("DeletePost", json!({ "post_id": gone })).await;
    let position = position.max(
        bob.act(
            "UpdateProfile",
            json!({ "display_name": "Robert Rustacean" }),
        )
        .await,
    );

    let found = ann.read("/api/search?q=rust", position).await;
    let texts: Vec<&str> = found["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["rust rust rust, all about rust", "I once wrote some rust"]
    );
    let people = ann.read("/api/search?q=ann", position).await;
    assert_eq!(people["users"][0]["handle"], "annabel");
    let by_name = ann.read("/api/search?q=rob", position).await;
    assert_eq!(by_name["users"][0]["handle"], "bob");
    let (status, _) = ann.get("/api/search?q=").await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_search_asked_again_sees_what_changed_since_the_first_answer() {
    let app = spawn().await;
    let ann = app.user("annabel").await;
    let (first, position) = ann.post_text("a kiwi on toast").await;
    // In any order: with a word in every post, BM25's weight for it is below zero.
    let texts = |found: &Value| -> Vec<String> {
        let mut texts: Vec<String> = found["posts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_str().unwrap().to_owned())
            .collect();
        texts.sort();
        texts
    };
    let found = ann.read("/api/search?q=kiwi", position).await;
    assert_eq!(texts(&found), ["a kiwi on toast"]);
    assert_eq!(
        texts(&ann.read("/api/search?q=kiwi", position).await),
        ["a kiwi on toast"]
    );

    // What "kiwi" finds is shared while the read model stays where it was; a new post moves
    // it, and the same question is answered anew (a deleted post also leaves).
    let (_, position) = ann.post_text("kiwi kiwi kiwi").await;
    let found = ann.read("/api/search?q=kiwi", position).await;
    assert_eq!(texts(&found), ["a kiwi on toast", "kiwi kiwi kiwi"]);
    let position = ann.act("DeletePost", json!({ "post_id": first })).await;
    let found = ann.read("/api/search?q=kiwi", position).await;
    assert_eq!(texts(&found), ["kiwi kiwi kiwi"]);
}
