//! The projection runtime under failure: a batch that keeps failing is retried, its bad event parked,
//! the projector moves on, and after a fix the parked event is applied again.

mod common;

use common::{assert_error, spawn, ADMIN};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn wait_until(admin: &common::Client, what: impl Fn(&Value) -> bool) -> Value {
    admin
        .wait_for_row("/api/admin/projections", "timeline", what)
        .await
}

#[tokio::test]
async fn a_failing_event_is_parked_the_projector_moves_on_and_a_retry_applies_it_after_a_fix() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    let db = app.state.store.db();
    // An operator's mistake: the read model's table now refuses text.
    agora::db::run(
        db,
        "DEFINE FIELD text ON timeline_post_g1 TYPE int",
        Value::Null,
    )
    .await
    .unwrap();
    let broken = ann.create_post("this one cannot be projected").await;

    let status = wait_until(&admin, |s| s["parked"] == 1).await;
    assert!(status["errors"].as_u64().unwrap() >= 5, "{status}");
    assert_eq!(
        status["position"], broken["position"],
        "the projector moved past the parked event"
    );

    // The fix, then the retry.
    agora::db::run(db, "REMOVE FIELD text ON timeline_post_g1", Value::Null)
        .await
        .unwrap();
    let (status, _) = admin
        .post("/api/admin/projections/timeline/parked/retry", json!(null))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    wait_until(&admin, |s| s["parked"] == 0).await;
    let later = ann.create_post("and life goes on").await["position"]
        .as_u64()
        .unwrap();
    let (_, page) = ann
        .get(&format!("/api/timeline/public?min_position={later}"))
        .await;
    let texts: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["text"].as_str())
        .collect();
    assert_eq!(texts, ["and life goes on", "this one cannot be projected"]);
}

#[tokio::test]
async fn the_admin_routes_are_for_admins_only() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    for path in [
        "/api/admin/projections",
        "/api/admin/events",
        "/api/admin/events/1",
        "/api/events",
    ] {
        let (status, body) = ann.get(path).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, body) = app.client().get(path).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let (status, body) = ann
        .post("/api/admin/projections/timeline/parked/retry", json!(null))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn a_rebuild_fills_a_new_generation_and_takes_over_without_downtime() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    for n in 0..30 {
        admin.create_post(&format!("post {n}")).await;
    }
    let (status, _) = admin
        .post("/api/admin/projections/timeline/rebuild", json!(null))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // Queries keep answering while it runs, and writes keep landing.
    let during = admin.create_post("during the rebuild").await["position"]
        .as_u64()
        .unwrap();
    let (status, page) = admin
        .get(&format!(
            "/api/timeline/public?min_position={during}&limit=100"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let done = wait_until(&admin, |s| s["rebuild"]["finished"] == true).await;
    assert_eq!(done["rebuild"]["generation"], 2);
    assert_eq!(done["rebuild"]["done"], done["rebuild"]["total"]);
    assert_eq!(
        app.state.projections.generation("timeline"),
        agora::projections::Generation(2)
    );
    let after = admin.create_post("after the rebuild").await["position"]
        .as_u64()
        .unwrap();
    let (_, page) = admin
        .get(&format!(
            "/api/timeline/public?min_position={after}&limit=100"
        ))
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 32, "{page}");
    assert_eq!(items[0]["text"], "after the rebuild");
    assert_eq!(items[1]["text"], "during the rebuild");

    let (status, body) = admin
        .post("/api/admin/projections/nothing/rebuild", json!(null))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

/// The stored checkpoint of a projector.
async fn stored_checkpoint(db: &agora::db::Db, name: &str) -> u64 {
    let sql = "SELECT VALUE position FROM type::record('projection', $name)";
    let rows = agora::db::rows(db, sql, json!({ "name": name }))
        .await
        .unwrap();
    rows.first().and_then(Value::as_u64).unwrap_or(0)
}

#[tokio::test]
async fn a_batch_a_read_model_ignores_commits_nothing_and_its_redelivery_changes_nothing() {
    let db = agora::db::connect("mem://").await.unwrap();
    let app = common::spawn_on(db.clone()).await;
    let ann = app.user("ann").await;
    // Under 100 coins, so the bonus policy appends nothing: a fund deposit landing after the head
    // is read would be a wallet change among the posts below, committed with them.
    ann.act("DepositMoney", json!({ "amount": 50 })).await;
    let wait = std::time::Duration::from_secs(10);
    assert!(app.state.projections.wait_for_all(app.head(), wait).await);
    let mut balance = ann.read("/api/wallet", app.head()).await;
    // The answer's position is the read's; the account is what must not change.
    balance["position"] = Value::Null;
    let saved = stored_checkpoint(&db, "wallet").await;
    assert!(saved > 0);

    // Posts are nothing to the wallet: it reaches them without a commit, the timeline commits them.
    for n in 0..3 {
        ann.create_post(&format!("post {n}")).await;
    }
    let head = app.head();
    assert!(app.state.projections.wait_for_all(head, wait).await);
    assert_eq!(app.state.projections.position("wallet"), head);
    assert_eq!(stored_checkpoint(&db, "wallet").await, saved);
    assert_eq!(stored_checkpoint(&db, "timeline").await, head);

    // A stop saves what was kept in memory.
    app.state.projections.stop().await;
    assert_eq!(stored_checkpoint(&db, "wallet").await, head);

    // A crash would have left the stored checkpoint behind: the next start redelivers the posts,
    // which the wallet ignores again.
    let sql = "UPSERT projection:wallet SET position = $saved";
    agora::db::run(&db, sql, json!({ "saved": saved }))
        .await
        .unwrap();
    let restarted = common::spawn_on(db.clone()).await;
    let (reached, _) = restarted
        .state
        .projections
        .wait_for("wallet", head, wait)
        .await;
    assert!(reached);
    // The same browser (its session is in the database) on the restarted server.
    let mut ann = ann;
    ann.base = restarted.url("");
    let mut account = ann.read("/api/wallet", head).await;
    account["position"] = Value::Null;
    assert_eq!(account, balance);
}
