//! `/ws` keeps its promise: bad input is answered and survived, floods are closed, rights end with
//! the session, and a resume older than the hub's memory (a restart) is answered from the journal
//! with exactly what a client that never disconnected received.

mod common;

use common::live::{connect, connect_as, frames_until_quiet, next_frame, send, send_text};
use common::spawn;
use futures::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const QUIET: Duration = Duration::from_millis(700);

#[tokio::test]
async fn bad_frames_are_answered_with_error_frames_and_the_socket_goes_on() {
    let app = spawn().await;
    let mut socket = connect(&app).await;
    let cases = [
        ("not json at all".to_owned(), "invalid"),
        (json!({ "op": "dance" }).to_string(), "unknown_op"),
        (json!({ "op": "subscribe" }).to_string(), "invalid"),
        (
            json!({ "op": "subscribe", "topic": "nonsense" }).to_string(),
            "not_found",
        ),
        (
            json!({ "op": "subscribe", "topic": "user:" }).to_string(),
            "not_found",
        ),
        ("x".repeat(5000), "too_large"),
    ];
    for (text, code) in cases {
        send_text(&mut socket, text.clone()).await;
        let answer = next_frame(&mut socket).await;
        assert_eq!(answer["op"], "error", "{text:.40}: {answer}");
        assert_eq!(answer["code"], code, "{text:.40}: {answer}");
        assert!(answer["message"].is_string(), "{answer}");
    }
    send(&mut socket, json!({ "op": "ping" })).await;
    assert_eq!(next_frame(&mut socket).await, json!({ "op": "pong" }));
}

#[tokio::test]
async fn a_flood_is_told_once_and_closed_as_a_policy_violation_without_touching_others() {
    let app = spawn().await;
    let mut calm = connect(&app).await;
    let mut flood = connect(&app).await;
    for _ in 0..80 {
        send(&mut flood, json!({ "op": "subscribe", "topic": "public" })).await;
    }
    let mut codes = vec![];
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(5), flood.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let frame: Value = serde_json::from_str(&text).unwrap();
                if frame["op"] == "error" {
                    codes.push(frame["code"].clone());
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => {}
            other => panic!("the flood was not closed: {other:?}"),
        }
    };
    assert_eq!(codes, vec![json!("flood")], "told once");
    assert_eq!(u16::from(close.expect("a close frame").code), 1008);
    send(&mut calm, json!({ "op": "ping" })).await;
    assert_eq!(next_frame(&mut calm).await, json!({ "op": "pong" }));
}

#[tokio::test]
async fn one_socket_holds_a_bounded_number_of_topics() {
    let app = spawn().await;
    let mut socket = connect(&app).await;
    let mut refused = None;
    for n in 0..70 {
        send(
            &mut socket,
            json!({ "op": "subscribe", "topic": format!("tag:t{n}") }),
        )
        .await;
        let answer = next_frame(&mut socket).await;
        if answer["op"] == "error" {
            refused = Some((n, answer));
            break;
        }
        // One second's allowance of frames is not this test's subject.
        if n % 40 == 39 {
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
    }
    let (n, answer) = refused.expect("a limit");
    assert_eq!(n, 64, "{answer}");
    assert_eq!(answer["code"], "too_many_topics");
}

#[tokio::test]
async fn signing_out_ends_the_private_topics_of_open_sockets_at_once() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let mut socket = connect_as(&app, &ann).await;
    for topic in ["home", "public"] {
        send(&mut socket, json!({ "op": "subscribe", "topic": topic })).await;
        assert_eq!(next_frame(&mut socket).await["op"], "subscribed");
    }
    let (status, _) = ann.post("/api/auth/signout", json!({})).await;
    assert_eq!(status, 204);
    let ended = next_frame(&mut socket).await;
    assert_eq!(ended["op"], "error", "{ended}");
    assert_eq!(ended["topic"], "home");
    assert_eq!(ended["code"], "forbidden");
    // The public topic goes on; the private one is refused to the signed-out socket.
    let position = bob.create_post("still public").await["position"].clone();
    let change = next_frame(&mut socket).await;
    assert_eq!(
        (&change["topic"], &change["position"]),
        (&json!("public"), &position)
    );
    send(&mut socket, json!({ "op": "subscribe", "topic": "home" })).await;
    assert_eq!(next_frame(&mut socket).await["code"], "forbidden");
}

#[tokio::test]
async fn several_changes_at_one_position_say_more_until_the_last() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let mut socket = connect_as(&app, &ann).await;
    send(&mut socket, json!({ "op": "subscribe", "topic": "wallet" })).await;
    assert_eq!(next_frame(&mut socket).await["op"], "subscribed");
    let position = ann.act("DepositMoney", json!({ "amount": 50 })).await;
    let frames = frames_until_quiet(&mut socket, QUIET).await;
    let at: Vec<&Value> = frames
        .iter()
        .filter(|f| f["position"] == position)
        .collect();
    assert!(at.len() >= 2, "a movement and a balance: {frames:?}");
    let (last, rest) = at.split_last().unwrap();
    assert!(rest.iter().all(|f| f["more"] == true), "{frames:?}");
    assert!(last.get("more").is_none(), "{frames:?}");
}

/// Posts, likes and deletes: the changes a timeline sees.
async fn activity(author: &common::Client, other: &common::Client, rounds: usize) {
    for n in 0..rounds {
        let (id, _) = author.post_text(&format!("post {n} #live")).await;
        other.act("LikePost", json!({ "post_id": id })).await;
        if n % 3 == 2 {
            author.act("DeletePost", json!({ "post_id": id })).await;
        }
    }
}

fn changes(frames: &[Value]) -> Vec<Value> {
    frames
        .iter()
        .filter(|frame| frame["op"] == "change")
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_resume_across_a_restart_is_answered_from_the_journal_exactly() {
    let db = agora::db::connect("mem://").await.unwrap();
    let first = common::spawn_on(db.clone()).await;
    let ann = first.user("ann").await;
    let bob = first.user("bob").await;
    let (_, before) = ann.post_text("before anyone listened").await;
    ann.read("/api/timeline/public", before).await;

    // A client that never disconnects, on both topics of the test.
    let mut watcher = connect(&first).await;
    for topic in ["public", "tag:live"] {
        send(
            &mut watcher,
            json!({ "op": "subscribe", "topic": topic, "after": before }),
        )
        .await;
        assert_eq!(next_frame(&mut watcher).await["op"], "subscribed");
    }
    activity(&ann, &bob, 6).await;
    let seen = changes(&frames_until_quiet(&mut watcher, QUIET).await);
    assert!(seen.len() >= 6 * 3, "posts, counts and removals: {seen:?}");

    // The server restarts: the new one's hub remembers nothing, its journal everything.
    first.state.projections.stop().await;
    let second = common::spawn_on(db).await;
    for topic in ["public", "tag:live"] {
        let mut resumed = connect(&second).await;
        send(
            &mut resumed,
            json!({ "op": "subscribe", "topic": topic, "after": before }),
        )
        .await;
        let subscribed = next_frame(&mut resumed).await;
        assert_eq!(subscribed["op"], "subscribed", "{subscribed}");
        let replayed = changes(&frames_until_quiet(&mut resumed, QUIET).await);
        let expected: Vec<Value> = seen
            .iter()
            .filter(|f| f["topic"] == topic)
            .cloned()
            .collect();
        assert_eq!(
            replayed, expected,
            "{topic}: the resumed stream is the live one"
        );
    }
}

#[tokio::test]
async fn a_resume_from_before_a_rebuild_is_told_to_refetch() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let (_, before) = ann.post_text("one").await;
    let (_, _) = ann.post_text("two").await;
    let (admin, _) = app.admin_with_token("rebuilder").await;
    let (status, body) = admin
        .post("/api/admin/projections/timeline/rebuild", json!({}))
        .await;
    assert!(status.is_success(), "{body}");
    admin
        .wait_for_row("/api/admin/projections", "timeline", |row| {
            row["rebuild"]["finished"] == true
        })
        .await;
    let mut socket = connect(&app).await;
    send(
        &mut socket,
        json!({ "op": "subscribe", "topic": "public", "after": before }),
    )
    .await;
    assert_eq!(next_frame(&mut socket).await["op"], "subscribed");
    let resync = next_frame(&mut socket).await;
    assert_eq!(resync["op"], "resync", "{resync}");
    // …and it is live from now on.
    let (_, three) = ann.post_text("three").await;
    assert_eq!(next_frame(&mut socket).await["position"], three);
}

#[tokio::test]
async fn the_projector_dashboard_is_pushed_to_admins() {
    let app = spawn().await;
    let (admin, _) = app.admin_with_token("dashboard").await;
    let mut socket = connect_as(&app, &admin).await;
    send(
        &mut socket,
        json!({ "op": "subscribe", "topic": "admin:projections" }),
    )
    .await;
    assert_eq!(next_frame(&mut socket).await["op"], "subscribed");
    let (_, position) = admin.post_text("moves the projectors").await;
    let reached = loop {
        let frame = next_frame(&mut socket).await;
        if frame["data"]["name"] == "timeline" && frame["data"]["position"] == position {
            break frame;
        }
    };
    assert_eq!(reached["kind"], "upsert");
}
