//! The wallet's moving parts under stress: the transfer process crashing between debit and credit,
//! year-end statements that a rebuild and the log both reproduce, and the thank-you mailer — the
//! real `agora mailer` process — killed in the middle of its work.

mod common;

use agora::aggregate::Actor;
use agora::commands::Origin;
use agora::policies::Policy;
use common::{spawn, spawn_on, Client, TestApp, ADMIN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

async fn settled(client: &Client, id: &str) -> Value {
    for _ in 0..400 {
        let (status, transfer) = client.get(&format!("/api/wallet/transfers/{id}")).await;
        if status == StatusCode::OK && transfer["status"] != "pending" {
            return transfer;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("transfer {id} never settled");
}

async fn count_of(app: &TestApp, stream: &str, event_type: &str) -> usize {
    let events = app.state.store.read_stream(stream, 0).await.unwrap();
    events.iter().filter(|e| e.event_type == event_type).count()
}

#[tokio::test]
async fn a_transfer_whose_process_crashed_between_debit_and_credit_settles_once_after_restart() {
    let db = agora::db::connect("mem://").await.unwrap();
    // The first node: people, a deposit and a transfer, then the process's first step exactly as
    // the policy runner takes it, and a crash before its checkpoint is saved.
    {
        let registry = agora::contexts::registry();
        let store =
            agora::store::Store::open(db.clone(), registry.upcasters(), registry.personal_data())
                .await
                .unwrap();
        let bus = registry.command_bus(store.clone());
        for handle in ["ann", "bob"] {
            let origin = Origin::new(Uuid::now_v7(), Actor::user(handle));
            let register = agora::social::domain::user::UserCommand::Register {
                user_id: Uuid::now_v7(),
                handle: handle.into(),
                display_name: None,
            };
            let stream = agora::social::domain::user::stream(handle);
            bus.submit_to::<agora::social::domain::user::User>(
                "SignUp", stream, register, None, &origin,
            )
            .await
            .unwrap();
        }
        let ann = || Origin::new(Uuid::now_v7(), Actor::user("ann"));
        bus.submit(ann(), "DepositMoney", &json!({ "amount": 30 }), None)
            .await
            .unwrap();
        let answer = bus
            .submit(
                ann(),
                "TransferMoney",
                &json!({ "to": "bob", "amount": 25 }),
                None,
            )
            .await
            .unwrap();
        let requested = store.event(answer.position).await.unwrap().unwrap();
        let transfers = agora::wallet::policies::transfers::Transfers;
        agora::policies::handle(&transfers, &bus, &requested, true, None)
            .await
            .unwrap();
        assert_eq!(transfers.name(), "transfers");
    }
    // The restart: every policy starts from its checkpoint (none saved) and meets it all again.
    let app = spawn_on(db).await;
    let admin = app.user(ADMIN).await;
    let transfer_id = app
        .state
        .store
        .read_all(0, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.event_type == "TransferRequested")
        .map(|e| e.data["transfer_id"].as_str().unwrap().to_owned())
        .unwrap();
    let transfer = settled(&admin, &transfer_id).await;
    assert_eq!(transfer["status"], "completed", "{transfer}");
    assert_eq!(count_of(&app, "account-ann", "TransferDebited").await, 1);
    assert_eq!(count_of(&app, "account-bob", "TransferCredited").await, 1);
    let stream = format!("transfer-{transfer_id}");
    assert_eq!(count_of(&app, &stream, "TransferCompleted").await, 1);
    let head = app.head();
    let anns = admin.read("/api/wallet?handle=ann", head).await;
    let bobs = admin.read("/api/wallet?handle=bob", head).await;
    assert_eq!(
        (anns["balance"].as_u64(), bobs["balance"].as_u64()),
        (Some(5), Some(25))
    );
}

fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

#[tokio::test]
async fn a_statement_is_precomputed_and_the_log_and_a_rebuild_reproduce_it() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let (ann, bob) = (app.user("ann").await, app.user("bob").await);
    ann.act("DepositMoney", json!({ "amount": 100 })).await;
    ann.act("WithdrawMoney", json!({ "amount": 10 })).await;
    let (_, sent) = ann
        .command("TransferMoney", json!({ "to": "bob", "amount": 20 }))
        .await;
    settled(&ann, sent["id"].as_str().unwrap()).await;
    let path = format!("/api/wallet/statements/{}", this_year());
    let statement = ann.read(&path, app.head()).await;
    assert_eq!(statement["opening"], 0);
    assert_eq!(statement["closing"], 70);
    assert_eq!(
        (
            &statement["deposits"],
            &statement["withdrawals"],
            &statement["sent"]
        ),
        (&json!(100), &json!(10), &json!(20))
    );
    assert_eq!(statement["movements"].as_array().unwrap().len(), 3);
    let checksum = statement["checksum"].as_str().unwrap().to_owned();
    assert_eq!(checksum.len(), 64, "a sha256 in hex: {statement}");

    let (_, from_log) = ann.get(&format!("{path}?source=log")).await;
    assert_eq!(from_log, statement, "the log says the same");

    let response = ann
        .http
        .get(app.url(&format!("{path}?format=csv")))
        .send()
        .await
        .unwrap();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "a header and three movements: {csv}");
    assert!(lines[1].contains(",deposit,100,100,"), "{csv}");
    assert!(lines[3].contains(",transfer_out,20,70,"), "{csv}");

    let (status, _) = admin
        .post("/api/admin/projections/statements/rebuild", json!(null))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    admin
        .wait_for_row("/api/admin/projections", "statements", |row| {
            row["rebuild"]["finished"] == true
        })
        .await;
    let (_, rebuilt) = ann.get(&path).await;
    assert_eq!(
        rebuilt["checksum"],
        checksum.as_str(),
        "a rebuild reproduces it"
    );
    let (status, _) = bob.get("/api/wallet/statements/nineteen").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_mailer_killed_mid_batch_and_started_again_leaves_one_email_per_deposit() {
    let app = spawn().await;
    let (admin, token) = app.admin_with_token("mailer").await;
    let outbox = std::env::temp_dir().join(format!("agora-outbox-{}", Uuid::now_v7()));
    let people = app.users("payer", 8).await;
    let start = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_agora"))
            .args(["mailer", "--url", &app.url(""), "--token", &token])
            .arg("--outbox")
            .arg(&outbox)
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("the mailer starts")
    };
    let mut mailer = start();
    let emails = || {
        std::fs::read_dir(&outbox)
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .filter(|f| f.file_name().to_string_lossy().ends_with(".eml"))
                    .count()
            })
            .unwrap_or(0)
    };
    let deposit_round = |round: u64| {
        let people = &people;
        async move {
            for person in people {
                person
                    .act("DepositMoney", json!({ "amount": 100 + round }))
                    .await;
            }
        }
    };
    // 40 deposits (and the fund's bonuses, which earn no email): the mailer is killed once it has
    // written some of the first 24, and the last 16 come while it is down.
    for round in 0..3 {
        deposit_round(round).await;
    }
    for _ in 0..400 {
        if emails() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    mailer.kill().unwrap();
    mailer.wait().unwrap();
    for round in 3..5 {
        deposit_round(round).await;
    }
    let mailed_before_restart = emails();
    assert!(
        mailed_before_restart > 0 && mailed_before_restart < 40,
        "{mailed_before_restart}"
    );
    let mut mailer = start();
    for _ in 0..600 {
        if emails() == 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let row = admin
        .wait_for_row("/api/admin/subscriptions", "thankyou", |row| {
            row["acked"].as_u64() >= Some(app.head())
        })
        .await;
    mailer.kill().unwrap();
    mailer.wait().unwrap();
    assert_eq!(emails(), 40, "one email per deposit: {row}");
    let deposits: Vec<String> = app
        .state
        .store
        .read_all(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "MoneyDeposited" && e.data["bonus_for"].is_null())
        .map(|e| format!("{}.eml", e.event_id))
        .collect();
    assert_eq!(deposits.len(), 40);
    for name in &deposits {
        let email = std::fs::read_to_string(outbox.join(name)).unwrap();
        assert!(email.contains("Thank you, @payer"), "{email}");
    }
    std::fs::remove_dir_all(&outbox).unwrap();
}
