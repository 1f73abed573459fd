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
