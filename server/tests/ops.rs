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
