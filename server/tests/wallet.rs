//! The wallet through the HTTP API: deposits and withdrawals with their rules, transfers accepted at
//! once and then completed, rejected or failed and refunded, racing transfers that never overdraw,
//! the fund's bonus, and the balance that explains itself.

mod common;

use common::{assert_error, spawn, Client, TestApp, ADMIN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// The transfer once it is settled (the process runs a moment after the command).
async fn settled(client: &Client, id: &str) -> Value {
    for _ in 0..200 {
        let (status, transfer) = client.get(&format!("/api/wallet/transfers/{id}")).await;
        if status == StatusCode::OK && transfer["status"] != "pending" {
            return transfer;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("transfer {id} never settled");
}

async fn wallet(client: &Client, app: &TestApp) -> Value {
    client.read("/api/wallet", app.head()).await
}

async fn send(client: &Client, to: &str, amount: u64) -> Value {
    let (status, body) = client
        .command(
            "TransferMoney",
            json!({ "to": to, "amount": amount, "memo": "thanks" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn deposits_and_withdrawals_move_the_balance_and_overdrawing_is_refused() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    ann.act("DepositMoney", json!({ "amount": 100 })).await;
    ann.act("WithdrawMoney", json!({ "amount": 30 })).await;
    let head = app.head();
    let (status, body) = ann.command("WithdrawMoney", json!({ "amount": 71 })).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule");
    assert_eq!(body["error"]["message"], "can not overdraw account");
    assert_eq!(app.head(), head, "a refused withdrawal writes nothing");
    let account = wallet(&ann, &app).await;
    assert_eq!(account["balance"], 70);
    assert_eq!(account["handle"], "ann");
    let movements = ann.read("/api/wallet/movements", head).await;
    let kinds: Vec<&str> = movements["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["withdrawal", "deposit"], "newest first");
    assert_eq!(movements["items"][0]["balance_after"], 70);
}

#[tokio::test]
async fn amounts_that_are_not_whole_coins_in_range_are_invalid_and_write_nothing() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let head = app.head();
    for amount in [
        json!(0),
        json!(-5),
        json!(1.5),
        json!("5"),
        json!(1_000_000_001u64),
        json!(null),
    ] {
        for command in ["DepositMoney", "WithdrawMoney"] {
            let (status, body) = ann.command(command, json!({ "amount": amount })).await;
            assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
        }
        let (status, body) = ann
            .command("TransferMoney", json!({ "to": "ann", "amount": amount }))
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    }
    // A person tops up at most 10,000 coins at a time: a rule of the top-up, not of amounts.
    let (status, body) = ann
        .command("DepositMoney", json!({ "amount": 10_001 }))
        .await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule");
    assert_eq!(app.head(), head, "invalid amounts write nothing");
    // Nobody deposits into someone else's account but admins; nobody pays bonuses but the policy.
    let _bob = app.user("bob").await;
    let admin = app.user(ADMIN).await;
    let head = app.head();
    let (status, body) = ann
        .command("DepositMoney", json!({ "amount": 5, "handle": "bob" }))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = ann
        .command("DepositMoney", json!({ "amount": 5, "bonus_for": "ann" }))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // The process's steps are not anyone's to send.
    let step =
        json!({ "transfer_id": uuid::Uuid::now_v7(), "from": "bob", "to": "ann", "amount": 5 });
    let (status, body) = ann.command("CreditTransfer", step).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // Not even an admin deposits into an account nobody holds.
    let (status, body) = admin
        .command("DepositMoney", json!({ "amount": 5, "handle": "nobody" }))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(app.head(), head, "refused commands write nothing");
}

#[tokio::test]
async fn a_transfer_is_accepted_at_once_then_completed_and_both_balances_say_so() {
    let app = spawn().await;
    let (ann, bob) = (app.user("ann").await, app.user("bob").await);
    ann.act("DepositMoney", json!({ "amount": 50 })).await;
    let answer = send(&ann, "bob", 20).await;
    let id = answer["id"].as_str().unwrap().to_owned();
    let transfer = settled(&ann, &id).await;
    assert_eq!(transfer["status"], "completed", "{transfer}");
    assert_eq!(transfer["from"], "ann");
    assert_eq!(transfer["to"], "bob");
    assert_eq!(transfer["memo"], "thanks");
    assert!(transfer["settled_at"].is_string());
    // requested, debited, credited, completed.
    assert_eq!(
        transfer["positions"].as_array().unwrap().len(),
        4,
        "{transfer}"
    );
    assert_eq!(wallet(&ann, &app).await["balance"], 30);
    let bobs = wallet(&bob, &app).await;
    assert_eq!(
        (bobs["balance"].as_u64(), bobs["pending_in"].as_u64()),
        (Some(20), Some(0))
    );
    let received = bob.read("/api/wallet/movements", app.head()).await;
    assert_eq!(received["items"][0]["kind"], "transfer_in");
    assert_eq!(received["items"][0]["counterparty"], "ann");
    assert_eq!(received["items"][0]["transfer_id"], id.as_str());
    // The two parties and admins see a transfer; anyone else is told there is none.
    let eve = app.user("eve").await;
    let (status, body) = eve.get(&format!("/api/wallet/transfers/{id}")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        bob.get(&format!("/api/wallet/transfers/{id}")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_transfer_the_balance_cannot_cover_is_rejected_and_moves_nothing() {
    let app = spawn().await;
    let (ann, bob) = (app.user("ann").await, app.user("bob").await);
    ann.act("DepositMoney", json!({ "amount": 5 })).await;
    let id = send(&ann, "bob", 50).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let transfer = settled(&ann, &id).await;
    assert_eq!(transfer["status"], "rejected", "{transfer}");
    assert_eq!(transfer["reason"], "can not overdraw account");
    let anns = wallet(&ann, &app).await;
    assert_eq!(
        (anns["balance"].as_u64(), anns["pending_out"].as_u64()),
        (Some(5), Some(0))
    );
    // Both parties find it among their transfers, rolled back with the reason.
    for party in [&ann, &bob] {
        let listed = party.read("/api/wallet/transfers", app.head()).await;
        assert_eq!(listed["items"][0]["id"], id.as_str(), "{listed}");
        assert_eq!(listed["items"][0]["status"], "rejected");
    }
    let bobs = wallet(&bob, &app).await;
    assert_eq!(
        (bobs["balance"].as_u64(), bobs["pending_in"].as_u64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn transfers_to_oneself_to_nobody_and_signing_up_as_the_fund_are_refused() {
    let app = spawn().await;
    let ann = app.user("ann").await;
    let head = app.head();
    let (status, body) = ann
        .command("TransferMoney", json!({ "to": "ann", "amount": 1 }))
        .await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "rule");
    let (status, body) = ann
        .command("TransferMoney", json!({ "to": "nobody", "amount": 1 }))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = app.client().signup("fund").await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    assert_eq!(app.head(), head, "refusals write nothing");
}

#[tokio::test]
async fn a_transfer_the_recipient_cannot_hold_fails_and_is_refunded() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    // An account holds at most 10,000,000,000 coins: fill bob's to the brim.
    app.user("bob").await;
    for _ in 0..10 {
        admin
            .act(
                "DepositMoney",
                json!({ "amount": 1_000_000_000u64, "handle": "bob" }),
            )
            .await;
    }
    ann.act("DepositMoney", json!({ "amount": 10 })).await;
    let id = send(&ann, "bob", 10).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let transfer = settled(&ann, &id).await;
    assert_eq!(transfer["status"], "failed", "{transfer}");
    assert!(
        transfer["reason"]
            .as_str()
            .unwrap()
            .contains("can not hold"),
        "{transfer}"
    );
    // requested, debited, credit declined, refunded, failed.
    assert_eq!(
        transfer["positions"].as_array().unwrap().len(),
        5,
        "{transfer}"
    );
    assert_eq!(wallet(&ann, &app).await["balance"], 10);
    let kinds: Vec<String> = ann.read("/api/wallet/movements", app.head()).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["refund", "transfer_out", "deposit"]);
}

#[tokio::test]
async fn fifty_transfers_racing_for_one_balance_never_overdraw_it() {
    let app = spawn().await;
    let (ann, bob) = (app.user("ann").await, app.user("bob").await);
    ann.act("DepositMoney", json!({ "amount": 100 })).await;
    let answers = futures::future::join_all((0..50).map(|_| send(&ann, "bob", 10))).await;
    let mut statuses = vec![];
    for answer in &answers {
        let transfer = settled(&ann, answer["id"].as_str().unwrap()).await;
        statuses.push(transfer["status"].as_str().unwrap().to_owned());
    }
    let completed = statuses.iter().filter(|s| *s == "completed").count();
    let rejected = statuses.iter().filter(|s| *s == "rejected").count();
    assert_eq!((completed, rejected), (10, 40), "{statuses:?}");
    assert_eq!(wallet(&ann, &app).await["balance"], 0);
    assert_eq!(wallet(&bob, &app).await["balance"], 100);
}

#[tokio::test]
async fn a_deposit_pays_one_percent_into_the_fund_and_the_why_names_the_cause() {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let ann = app.user("ann").await;
    ann.act("DepositMoney", json!({ "amount": 500 })).await;
    ann.act("DepositMoney", json!({ "amount": 99 })).await; // 0.99 rounds down to nothing
    let fund = admin.read("/api/wallet?handle=fund", app.head()).await;
    let mut fund_balance = fund["balance"].as_u64().unwrap();
    for _ in 0..200 {
        if fund_balance == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        fund_balance = admin.read("/api/wallet?handle=fund", app.head()).await["balance"]
            .as_u64()
            .unwrap();
    }
    assert_eq!(fund_balance, 5);
    let why = admin.read("/api/wallet/why?handle=fund", app.head()).await;
    let bonus = &why["movements"][0];
    assert_eq!(bonus["kind"], "bonus");
    assert_eq!(bonus["counterparty"], "ann");
    assert_eq!(bonus["cause"]["type"], "DepositMoney");
    assert_eq!(bonus["cause"]["actor"], "system:bonus");
    let behind = &bonus["cause"]["caused_by"];
    assert_eq!(behind["event"], "MoneyDeposited");
    assert_eq!(behind["cause"]["type"], "DepositMoney");
    assert_eq!(behind["cause"]["actor"], "ann");
}

#[tokio::test]
async fn the_why_of_a_received_tip_goes_back_to_the_senders_transfer() {
    let app = spawn().await;
    let (ann, bob) = (app.user("ann").await, app.user("bob").await);
    ann.act("DepositMoney", json!({ "amount": 40 })).await;
    let id = send(&ann, "bob", 15).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let transfer = settled(&ann, &id).await;
    let credited_at = transfer["positions"][2].as_u64().unwrap();
    let why = bob
        .read(&format!("/api/wallet/why?at={credited_at}"), app.head())
        .await;
    assert_eq!(why["balance"], 15);
    assert_eq!(why["at"], credited_at);
    let cause = &why["movements"][0]["cause"];
    assert_eq!(cause["type"], "CreditTransfer");
    assert_eq!(cause["actor"], "system:transfers");
    assert_eq!(cause["caused_by"]["event"], "TransferDebited");
    assert_eq!(cause["caused_by"]["cause"]["type"], "DebitTransfer");
    let root = &cause["caused_by"]["cause"]["caused_by"];
    assert_eq!(root["event"], "TransferRequested");
    assert_eq!(root["cause"]["type"], "TransferMoney");
    assert_eq!(root["cause"]["actor"], "ann");
    assert!(
        root["cause"]["caused_by"].is_null(),
        "the person's action is the root"
    );
    // A later page of ann's why still answers the balance at `at`, not the older movement's.
    let first = ann.read("/api/wallet/why?limit=1", app.head()).await;
    assert_eq!(
        (
            first["balance"].as_u64(),
            first["movements"][0]["kind"].as_str()
        ),
        (Some(25), Some("transfer_out"))
    );
    let cursor = first["next"].as_str().unwrap();
    let older = ann
        .read(
            &format!("/api/wallet/why?limit=1&cursor={cursor}"),
            app.head(),
        )
        .await;
    assert_eq!(older["balance"], 25);
    assert_eq!(older["movements"][0]["kind"], "deposit");
    assert!(older["next"].is_null());
    // Before the credit, bob's balance was 0 with no movement behind it.
    let before = bob
        .read(
            &format!("/api/wallet/why?at={}", credited_at - 1),
            app.head(),
        )
        .await;
    assert_eq!(before["balance"], 0);
    assert_eq!(before["movements"], json!([]));
}

/// Every event type in a causation tree, depth first.
fn event_types(node: &Value, into: &mut Vec<String>) {
    for event in node["events"].as_array().into_iter().flatten() {
        into.push(event["type"].as_str().unwrap().to_owned());
        for caused in event["caused"].as_array().into_iter().flatten() {
            event_types(caused, into);
        }
    }
}

#[tokio::test]
async fn an_admin_follows_a_transfer_from_its_command_to_its_end_and_sees_an_account_at_any_version(
) {
    let app = spawn().await;
    let admin = app.user(ADMIN).await;
    let (ann, _bob) = (app.user("ann").await, app.user("bob").await);
    ann.act("DepositMoney", json!({ "amount": 30 })).await;
    let answer = send(&ann, "bob", 12).await;
    settled(&ann, answer["id"].as_str().unwrap()).await;
    let command = answer["command_id"].as_str().unwrap();
    let (status, tree) = admin.get(&format!("/api/admin/causation/{command}")).await;
    assert_eq!(status, StatusCode::OK, "{tree}");
    let mut types = vec![];
    event_types(&tree["root"], &mut types);
    assert_eq!(
        types,
        [
            "TransferRequested",
            "TransferDebited",
            "TransferCredited",
            "TransferCompleted"
        ],
        "{tree}"
    );
    let (status, at_one) = admin.get("/api/admin/streams/account-ann?version=1").await;
    assert_eq!(status, StatusCode::OK, "{at_one}");
    assert_eq!(at_one["state"]["balance"], 30);
    let (_, latest) = admin.get("/api/admin/streams/account-ann").await;
    assert_eq!(latest["state"]["balance"], 18);
}
