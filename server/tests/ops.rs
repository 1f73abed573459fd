//! Export → import into an empty database → the identical log and identical read models.

mod common;

use agora::ops;
use common::{spawn, spawn_on};
use serde_json::json;

#[tokio::test]
async fn an_exported_log_imports_into_an_empty_database_identically() {
    let source = spawn().await;
    let ann = source.user("ann").await;
    let bob = source.user("bob").await;
    ann.create_post("first").await;
    bob.command("UpdateProfile", json!({ "display_name": "Robert" }))
        .await;
    let last = bob.create_post("second").await["position"]
        .as_u64()
        .unwrap();

    let mut exported = Vec::new();
    assert_eq!(
        ops::export(&source.state.store, 0, &mut exported)
            .await
            .unwrap(),
        last
    );
    let exported = String::from_utf8(exported).unwrap();

    let target_db = agora::db::connect("mem://").await.unwrap();
    let target = spawn_on(target_db).await;
    assert_eq!(
        ops::import(&target.state.store, &exported).await.unwrap() as u64,
        last
    );

    let original = source.state.store.read_all(0, 1000).await.unwrap();
    let imported = target.state.store.read_all(0, 1000).await.unwrap();
    assert_eq!(original, imported);

    let query = format!("/api/timeline/public?min_position={last}");
    let (_, before) = source.client().get(&query).await;
    let (_, after) = target.client().get(&query).await;
    assert_eq!(before["items"], after["items"]);
    assert_eq!(after["items"][0]["author"]["display_name"], "Robert");
}

#[tokio::test]
async fn a_broken_log_is_refused_with_its_line_and_writes_nothing() {
    let source = spawn().await;
    let ann = source.user("ann").await;
    ann.create_post("one").await;
    ann.create_post("two").await;
    let mut exported = Vec::new();
    ops::export(&source.state.store, 0, &mut exported)
        .await
        .unwrap();
    let mut lines: Vec<String> = String::from_utf8(exported)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.remove(1);

    let target = spawn().await;
    let error = ops::import(&target.state.store, &lines.join("\n"))
        .await
        .unwrap_err();
    assert!(error.to_string().starts_with("line 2:"), "{error}");
    assert_eq!(target.state.store.read_all(0, 100).await.unwrap(), vec![]);
}

#[tokio::test]
async fn an_import_that_repeats_an_event_id_of_the_log_is_refused() {
    let source = spawn().await;
    let ann = source.user("ann").await;
    ann.create_post("one").await;
    let mut exported = Vec::new();
    ops::export(&source.state.store, 0, &mut exported)
        .await
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(exported)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();

    let target = spawn().await;
    ops::import(&target.state.store, &lines[0].to_string())
        .await
        .unwrap();
    // No index refuses a repeated event id any more: the import checks the log it continues.
    let mut repeat = lines[1].clone();
    repeat["event_id"] = lines[0]["event_id"].clone();
    let error = ops::import(&target.state.store, &repeat.to_string())
        .await
        .unwrap_err();
    assert!(error.to_string().starts_with("line 1:"), "{error}");
    assert_eq!(target.state.store.head(), 1);
}
