//! The moderation policy end to end: three reports → HidePost → PostHidden → off the timeline,
//! with the causation chain kept, and a redelivered event acting once.

mod common;

use agora::policies::{self, derived_command_id};
use agora::social::policies::moderation::Moderation;
use common::spawn;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

async fn wait_for_type(app: &common::TestApp, event_type: &str) -> app::wire::Envelope {
    for _ in 0..100 {
        let events = app.state.store.read_all(0, 1000).await.unwrap();
        if let Some(event) = events.into_iter().find(|e| e.event_type == event_type) {
            return event;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {event_type} appeared");
}

#[tokio::test]
async fn three_reports_hide_a_post_through_the_policy() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let post = ann.create_post("something offensive").await;
    let post_id = post["id"].as_str().unwrap().to_owned();
    let mut last_report = json!(null);
    for reporter in ["bob", "cat", "dan"] {
        let client = app.user(reporter).await;
        let (status, body) = client
            .command(
                "ReportPost",
                json!({ "post_id": post_id, "reason": "offensive" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        last_report = body;
        if reporter == "bob" {
            let (status, again) = client
                .command(
                    "ReportPost",
                    json!({ "post_id": post_id, "reason": "again" }),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
        }
    }

    let hidden = wait_for_type(&app, "PostHidden").await;
    let third_report = app
        .state
        .store
        .event(last_report["position"].as_u64().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hidden.metadata.causation_id, Some(third_report.event_id));
    assert_eq!(
        hidden.metadata.correlation_id,
        third_report.metadata.correlation_id
    );
    assert_eq!(
        hidden.metadata.command_id,
        Some(derived_command_id("moderation", third_report.event_id, 0))
    );
    assert_eq!(hidden.metadata.actor.as_deref(), Some("system:moderation"));

    let admin = app.user(common::ADMIN).await;
    let (status, chain) = admin
        .get(&format!("/api/admin/causation/{}", hidden.event_id))
        .await;
    assert_eq!(status, StatusCode::OK, "{chain}");
    let root = &chain["root"];
    assert_eq!(root["command_id"], last_report["command_id"]);
    assert_eq!(root["actor"], "dan");
    assert_eq!(root["events"][0]["type"], "PostReported");
    let policy = &root["events"][0]["caused"][0];
    assert_eq!(policy["actor"], "system:moderation");
    assert_eq!(policy["events"][0]["type"], "PostHidden");
    assert_eq!(policy["events"][0]["event_id"], hidden.event_id.to_string());
    let (_, same) = admin
        .get(&format!(
            "/api/admin/causation/{}",
            last_report["command_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(same["root"], chain["root"]);

    let (_, page) = ann
        .get(&format!(
            "/api/timeline/public?min_position={}",
            hidden.position
        ))
        .await;
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != post_id.as_str()),
        "{page}"
    );
}

#[tokio::test]
async fn a_redelivered_event_issues_its_command_once() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let post_id = ann.create_post("spam").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for reporter in ["bob", "cat", "dan"] {
        app.user(reporter)
            .await
            .command(
                "ReportPost",
                json!({ "post_id": post_id, "reason": "spam" }),
            )
            .await;
    }
    let hidden = wait_for_type(&app, "PostHidden").await;
    let log = app.state.store.read_all(0, 1000).await.unwrap();
    let cause = log
        .into_iter()
        .find(|e| Some(e.event_id) == hidden.metadata.causation_id)
        .unwrap();
    let head = app.head();
    policies::handle(&Moderation, &app.state.bus, &cause, false, None)
        .await
        .unwrap();
    policies::handle(&Moderation, &app.state.bus, &cause, false, None)
        .await
        .unwrap();
    assert_eq!(app.head(), head, "redelivery appended again");
    let log = app.state.store.read_all(0, 1000).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.event_type == "PostHidden").count(),
        1
    );
}

async fn wait_for_moderation(
    admin: &common::Client,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    admin
        .wait_for_row("/api/admin/policies", "moderation", done)
        .await
}

/// A real failure: an operator's table event refuses every `PostHidden`, so the policy's `HidePost`
/// fails each try. The policy parks the report, moves on, and acts once the rule is lifted.
#[tokio::test]
async fn a_policy_parks_what_keeps_failing_and_acts_on_retry_after_the_fix() {
    let app = spawn().await;
    let db = app.state.store.db();
    agora::db::run(
        db,
        r#"DEFINE EVENT refuse_hides ON event WHEN $event = "CREATE" AND $after.type = "PostHidden" THEN { THROW "hides are refused by an operator" }"#,
        serde_json::Value::Null,
    )
    .await
    .unwrap();
    let admin = app.user(common::ADMIN).await;
    let ann = app.user("ann").await;
    let post_id = ann.create_post("reported while hides fail").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for reporter in ["bob", "cat", "dan"] {
        let (status, body) = app
            .user(reporter)
            .await
            .command(
                "ReportPost",
                json!({ "post_id": post_id, "reason": "spam" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let parked = wait_for_moderation(&admin, |s| s["parked"] == 1).await;
    assert!(parked["errors"].as_u64().unwrap() >= 5, "{parked}");
    assert!(
        parked["last_error"]
            .as_str()
            .unwrap()
            .contains("hides are refused"),
        "{parked}"
    );
    // It moved on: a later event is handled, and the other writers never saw the failure.
    let later = ann.create_post("after the parked report").await;
    wait_for_moderation(&admin, |s| s["position"] == later["position"]).await;
    let log = app.state.store.read_all(0, 1000).await.unwrap();
    assert!(log.iter().all(|e| e.event_type != "PostHidden"));
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("agora_policy_parked{policy=\"moderation\"} 1"),
        "{metrics}"
    );

    agora::db::run(
        db,
        "REMOVE EVENT refuse_hides ON event",
        serde_json::Value::Null,
    )
    .await
    .unwrap();
    let (status, _) = ann
        .post("/api/admin/policies/moderation/parked/retry", json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = admin
        .post("/api/admin/policies/nobody/parked/retry", json!({}))
        .await;
    common::assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, _) = admin
        .post("/api/admin/policies/moderation/parked/retry", json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let hidden = wait_for_type(&app, "PostHidden").await;
    assert_eq!(hidden.data["post_id"], post_id.as_str());
    wait_for_moderation(&admin, |s| s["parked"] == 0).await;
}
