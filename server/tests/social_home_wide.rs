//! The home timeline with a most-followed ("wide") author: their posts are written once and merged
//! into each follower's home when read, instead of one row per follower, and pushed once, on the
//! author's source topic, which the hub sends to every follower's `home`. Through the HTTP API and
//! `/ws`: the homes read as if fanned out, live changes reach every follower, follows and unfollows
//! after the mark make the home refetch, reposts, a resume across a restart that equals the live
//! stream, and a rebuild that answers the same.

mod common;

use agora::aggregate::Actor;
use agora::commands::Origin;
use agora::social::domain::user::{self, User, UserCommand};
use agora::social::read_models::home;
use common::live::{connect_as, frames_until_quiet, next_frame, send};
use common::{spawn_on, Client, Socket, TestApp, ADMIN};
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(700);

/// Enough people following `author` to make them wide: signed up and following through the
/// command bus (the same commands as the HTTP API, without a password for each).
async fn followers(app: &TestApp, author: &str) -> u64 {
    let bus = &app.state.bus;
    let mut last = 0;
    for chunk in (0..home::wide_at()).collect::<Vec<_>>().chunks(100) {
        let signups = chunk.iter().map(|n| async move {
            let handle = format!("fan{n}");
            let register = UserCommand::Register {
                user_id: Uuid::now_v7(),
                handle: handle.clone(),
                display_name: None,
            };
            let origin = Origin::new(Uuid::now_v7(), Actor::user(&handle));
            let stream = user::stream(&handle);
            bus.submit_to::<User>("SignUp", stream, register, None, &origin)
                .await
                .unwrap();
            let follow = json!({ "handle": author });
            let origin = Origin::new(Uuid::now_v7(), Actor::user(&handle));
            bus.submit(origin, "Follow", &follow, None)
                .await
                .unwrap()
                .position
        });
        let positions = futures::future::join_all(signups).await;
        last = last.max(positions.into_iter().max().unwrap_or(0));
    }
    last
}

/// A home page's posts, as (text, why, by).
fn items(page: &Value) -> Vec<(String, String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let text = item["text"].as_str().unwrap_or_default().to_owned();
            let why = item["why"]["kind"].as_str().unwrap_or_default().to_owned();
            let by = item["why"]["handle"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (text, why, by)
        })
        .collect()
}

fn item(text: &str, why: &str, by: &str) -> (String, String, String) {
    (text.into(), why.into(), by.into())
}

/// The topics of the live journal's rows at `position` that are homes or home sources.
async fn journaled_homes(app: &TestApp, position: u64) -> Vec<String> {
    let sql = "SELECT VALUE record::id(id)[0] FROM live_change WHERE position = $position";
    let rows = agora::db::rows(app.state.store.db(), sql, json!({ "position": position }))
        .await
        .unwrap();
    let mut topics: Vec<String> = rows
        .iter()
        .filter_map(|topic| topic.as_str())
        .filter(|topic| topic.starts_with("home"))
        .map(str::to_owned)
        .collect();
    topics.sort();
    topics
}

/// The same browser, talking to another server on this machine (its cookies go with it).
fn at(client: &Client, app: &TestApp) -> Client {
    Client {
        base: app.url(""),
        ..client.clone()
    }
}

async fn subscribe_home(socket: &mut Socket, after: Option<u64>) -> Value {
    send(
        socket,
        json!({ "op": "subscribe", "topic": "home", "after": after }),
    )
    .await;
    let subscribed = next_frame(socket).await;
    assert_eq!(subscribed["op"], "subscribed", "{subscribed}");
    subscribed
}

fn changes(frames: Vec<Value>) -> Vec<Value> {
    frames.into_iter().filter(|f| f["op"] == "change").collect()
}

async fn rows_of(app: &TestApp, table: &str) -> u64 {
    let table = app.state.projections.generation(home::NAME).table(table);
    let sql = format!("SELECT count() AS n FROM {table} GROUP ALL");
    let rows = agora::db::rows(app.state.store.db(), sql, Value::Null)
        .await
        .unwrap();
    rows.first().and_then(|row| row["n"].as_u64()).unwrap_or(0)
}

#[tokio::test]
async fn a_wide_authors_posts_are_written_once_and_read_in_every_followers_home() {
    let db = agora::db::connect("mem://").await.unwrap();
    let app = spawn_on(db.clone()).await;
    let star = app.user("star").await;
    let ann = app.user("ann").await;
    ann.act("Follow", json!({ "handle": "star" })).await;
    star.post_text("before the crowd").await;
    let crowd = followers(&app, "star").await;
    ann.read("/api/timeline/home", crowd).await;
    let home_rows = rows_of(&app, "home").await;
    let mut socket = connect_as(&app, &ann).await;
    subscribe_home(&mut socket, None).await;

    // The post that makes star wide: one row, not one per follower; one journal row, on star's
    // source topic; ann still sees it live.
    let (wide_post, position) = star.post_text("to the crowd").await;
    let change = next_frame(&mut socket).await;
    assert_eq!(change["topic"], "home", "{change}");
    assert_eq!(change["position"], position, "{change}");
    assert_eq!(change["data"]["post_id"], wide_post, "{change}");
    assert_eq!(
        journaled_homes(&app, position).await,
        ["home:star", "home_wide:star"],
        "star's own home and the one change every follower's home gets"
    );
    let home = ann.read("/api/timeline/home", position).await;
    assert_eq!(
        items(&home),
        [
            item("to the crowd", "follow", "star"),
            item("before the crowd", "follow", "star")
        ]
    );
    assert_eq!(rows_of(&app, "home_wide_post").await, 1);
    assert_eq!(
        rows_of(&app, "home").await,
        home_rows + 1,
        "only star's own row"
    );
    assert!(crowd < position);

    // A follow after the mark: the wide posts are merged in, the earlier one copied in; bob's open
    // home is told to refetch, as no frame says what the merge adds.
    let bob = app.user("bob").await;
    let mut bobs_socket = connect_as(&app, &bob).await;
    subscribe_home(&mut bobs_socket, None).await;
    let followed = bob.act("Follow", json!({ "handle": "star" })).await;
    // The socket joins home again from now, and says why.
    let resubscribed = next_frame(&mut bobs_socket).await;
    assert_eq!(resubscribed["op"], "subscribed", "{resubscribed}");
    let resync = next_frame(&mut bobs_socket).await;
    assert_eq!(resync["op"], "resync", "{resync}");
    assert_eq!(resync["topic"], "home", "{resync}");
    let bobs = bob.read("/api/timeline/home", followed).await;
    assert_eq!(
        items(&bobs),
        [
            item("to the crowd", "follow", "star"),
            item("before the crowd", "follow", "star")
        ]
    );

    // Mentioned in a wide post before following: once in the home, saying why (the mention).
    let carl = app.user("carl").await;
    star.post_text("hello @carl").await;
    let followed = carl.act("Follow", json!({ "handle": "star" })).await;
    let carls = carl.read("/api/timeline/home", followed).await;
    let hellos: Vec<_> = items(&carls)
        .into_iter()
        .filter(|(text, ..)| text == "hello @carl")
        .collect();
    assert_eq!(hellos, [item("hello @carl", "mention", "star")], "{carls}");

    // A wide repost of ann's post: ann is not shown a repost of her own post, bob is.
    let (anns, _) = ann.post_text("ann's thought").await;
    let reposted = star.act("Repost", json!({ "post_id": anns })).await;
    let bobs = bob.read("/api/timeline/home", reposted).await;
    assert_eq!(items(&bobs)[0], item("ann's thought", "repost", "star"));
    let home = ann.read("/api/timeline/home", reposted).await;
    assert_eq!(items(&home)[0], item("ann's thought", "own", ""));
    assert_eq!(items(&home).len(), 4, "{home}");

    // Paging runs through both kinds of rows.
    let path = format!("/api/timeline/home?limit=1&min_position={reposted}");
    let (_, first) = bob.get(&path).await;
    let next = first["next"].as_str().unwrap().to_owned();
    let path = format!("/api/timeline/home?limit=5&cursor={next}");
    let (_, rest) = bob.get(&path).await;
    let texts: Vec<String> = items(&rest).into_iter().map(|(text, ..)| text).collect();
    assert_eq!(texts, ["hello @carl", "to the crowd", "before the crowd"]);

    // What ann's socket got: the wide posts from star's source, her own post, not star's repost of
    // it. Then the server restarts, and a resume from before the wide post, answered from the
    // journals of her home and of star's source, is that stream, frame for frame.
    let live = changes(frames_until_quiet(&mut socket, QUIET).await);
    let mut seen = vec![change];
    seen.extend(live);
    let ids: Vec<&Value> = seen
        .iter()
        .map(|change| &change["data"]["post_id"])
        .collect();
    assert_eq!(ids.len(), 3, "{seen:?}");
    assert_eq!(ids[2], &json!(anns), "{seen:?}");
    app.state.projections.stop().await;
    let app = spawn_on(db).await;
    let (ann, bob) = (at(&ann, &app), at(&bob, &app));
    let mut resumed = connect_as(&app, &ann).await;
    subscribe_home(&mut resumed, Some(crowd)).await;
    let replayed = changes(frames_until_quiet(&mut resumed, QUIET).await);
    assert_eq!(replayed, seen, "the resumed stream is the live one");

    // A rebuild answers the same homes.
    let admin = app.user(ADMIN).await;
    admin.rebuild(home::NAME).await;
    assert_eq!(
        bob.read("/api/timeline/home", reposted).await["items"],
        bobs["items"]
    );
    assert_eq!(rows_of(&app, "home_wide_post").await, 3);

    // An unfollow takes every post of star's out of ann's home, before the mark and since.
    let unfollowed = ann.act("Unfollow", json!({ "handle": "star" })).await;
    let home = ann.read("/api/timeline/home", unfollowed).await;
    assert_eq!(items(&home), [item("ann's thought", "own", "")]);
}
