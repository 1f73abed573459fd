//! The command bus's memory of the states it decided on (`commands/states.rs`), its turns on a hot
//! stream (`commands/turns.rs`) and its trust in a policy's fresh command ids, where they could go
//! wrong: another node moving a stream the bus remembers, commands racing on one stream, and a
//! command id that did run before.

mod common;

use agora::aggregate::Actor;
use agora::commands::{CommandBus, CommandError, Origin};
use agora::store::Store;
use app::wire::CommandAnswer;
use serde_json::json;
use uuid::Uuid;

/// A node: its own store (and writer) and bus on the shared database.
async fn node(db: &agora::db::Db) -> (Store, CommandBus) {
    let store = common::store::open_store(db).await;
    (
        store.clone(),
        agora::contexts::registry().command_bus(store),
    )
}

fn ann() -> Origin {
    Origin::new(Uuid::now_v7(), Actor::user("ann"))
}

async fn wallet(bus: &CommandBus, command_type: &str, amount: u64) -> Result<u64, CommandError> {
    let payload = json!({ "amount": amount });
    Ok(bus
        .submit(ann(), command_type, &payload, None)
        .await?
        .position)
}

/// Ann's balance as her account's last event says, read from the log.
async fn balance(store: &Store) -> (u64, usize) {
    let events = store.read_stream("account-ann", 0).await.unwrap();
    let last = events.last().unwrap();
    (last.data["balance"].as_u64().unwrap(), events.len())
}

#[tokio::test]
async fn a_stream_another_node_moved_is_decided_on_what_the_log_says_not_on_memory() {
    let db = agora::db::connect("mem://").await.unwrap();
    let (first_store, first) = node(&db).await;
    let (_, second) = node(&db).await;
    // The first node decides on ann's account and remembers it at 10 coins.
    wallet(&first, "DepositMoney", 10).await.unwrap();
    // The second node moves it to 15, within the first node's poll for appends of other nodes.
    wallet(&second, "DepositMoney", 5).await.unwrap();
    // A refusal decided on what the first node remembers (10) would be wrong: it is checked.
    let (stamp, loads) = (first_store.memory_stamp(), first.state_loads());
    wallet(&first, "WithdrawMoney", 15)
        .await
        .expect("15 coins are there: a refusal decided on memory must be read again");
    // Unless the first node's head poll saw the second node's append meanwhile (then memory was
    // not trusted at all), the withdrawal was decided on memory first and then read.
    if first_store.memory_stamp() == stamp {
        let now = first.state_loads();
        assert_eq!(
            (
                now.from_memory - loads.from_memory,
                now.from_log - loads.from_log
            ),
            (1, 1),
            "decided on memory, refused, read again"
        );
    }
    wallet(&second, "DepositMoney", 7).await.unwrap();
    // A change decided on memory is refused by the log's version and decided again.
    wallet(&first, "DepositMoney", 1).await.unwrap();
    let (coins, events) = balance(&first_store).await;
    assert_eq!(
        (coins, events),
        (8, 5),
        "10 + 5 - 15 + 7 + 1, one event each"
    );
    common::store::assert_contiguous(&first_store).await;
}

#[tokio::test]
async fn commands_racing_on_one_stream_take_turns_instead_of_refusing_each_other() {
    let db = agora::db::connect("mem://").await.unwrap();
    let (store, bus) = node(&db).await;
    wallet(&bus, "DepositMoney", 1).await.unwrap();
    let before = bus.state_loads();
    let racing = (0..100).map(|_| wallet(&bus, "DepositMoney", 1));
    for deposit in futures::future::join_all(racing).await {
        deposit.expect("every deposit is taken");
    }
    let now = bus.state_loads();
    assert_eq!(
        balance(&store).await,
        (101, 101),
        "one event and one coin each"
    );
    // Without turns, all but one of each round name a version the round's first has taken: the
    // store refuses them as stale and they read the log to decide again.
    assert_eq!(
        now.from_log - before.from_log,
        0,
        "no deposit was decided on a stale state"
    );
    assert!(
        now.from_guess - before.from_guess > 0,
        "some deposits were decided on one still queued: {now:?}"
    );
    common::store::assert_contiguous(&store).await;
}

#[tokio::test]
async fn a_refusal_decided_behind_a_queued_append_waits_for_its_commit() {
    let db = agora::db::connect("mem://").await.unwrap();
    let (store, bus) = node(&db).await;
    wallet(&bus, "DepositMoney", 10).await.unwrap();
    // The withdrawals race: whichever comes second is decided on the first one's guess (0 coins
    // left) and refused; the refusal is decided again on what the log says, and stands.
    let (first, second) = tokio::join!(
        wallet(&bus, "WithdrawMoney", 10),
        wallet(&bus, "WithdrawMoney", 10)
    );
    let refused = [&first, &second]
        .iter()
        .filter(|outcome| matches!(outcome, Err(CommandError::Rule(_))))
        .count();
    assert_eq!(refused, 1, "one of {first:?} and {second:?} is refused");
    assert_eq!(balance(&store).await, (0, 2));
}

#[tokio::test]
async fn a_retry_racing_its_first_try_gets_the_first_answer_not_a_refusal() {
    let db = agora::db::connect("mem://").await.unwrap();
    let (store, bus) = node(&db).await;
    wallet(&bus, "DepositMoney", 150).await.unwrap();
    // A client resends a withdrawal (same command id) before the first try's answer came back.
    // The retry is decided after the first (on its guess, then on the log): 50 coins left, so
    // 100 would be refused, but the command did run, and its first answer is the answer.
    let origin = ann();
    let payload = json!({ "amount": 100 });
    let (first, retry) = tokio::join!(
        bus.submit(origin.clone(), "WithdrawMoney", &payload, None),
        bus.submit(origin.clone(), "WithdrawMoney", &payload, None)
    );
    let (first, retry) = (first.unwrap(), retry.unwrap());
    assert_eq!(first.position, retry.position);
    assert!(first.duplicate != retry.duplicate, "{first:?} / {retry:?}");
    assert_eq!(balance(&store).await, (50, 2));
}

#[tokio::test]
async fn a_command_id_said_to_be_fresh_that_ran_before_appends_nothing_again() {
    let (db, _) = common::store::open().await;
    let (store, bus) = node(&db).await;
    let payload = json!({ "amount": 20 });
    let (first, again) = run_twice(&bus, ann(), "DepositMoney", &payload).await;
    assert!(again.duplicate, "the rerun is answered as a duplicate");
    assert_eq!(again.position, first.position, "with the first answer");
    assert_eq!(balance(&store).await, (20, 1), "and nothing appended again");
    // A rerun that decides nothing this time (the transfer is completed already) still answers
    // the first answer, not a no-op of its own.
    let send = json!({ "to": "fund", "amount": 5 });
    let requested = bus
        .submit(ann(), "TransferMoney", &send, None)
        .await
        .unwrap();
    let step = json!({ "transfer_id": requested.id.unwrap() });
    let process = Origin::new(Uuid::now_v7(), Actor::system("transfers"));
    let (completed, again) = run_twice(&bus, process, "CompleteTransfer", &step).await;
    assert!(again.duplicate, "{again:?}");
    assert_eq!(again.events, completed.events, "the first answer");
}

/// Runs a command, then again with the same id said to be fresh (no lookup of a first answer).
async fn run_twice(
    bus: &CommandBus,
    mut origin: Origin,
    command_type: &str,
    payload: &serde_json::Value,
) -> (CommandAnswer, CommandAnswer) {
    let first = bus
        .submit(origin.clone(), command_type, payload, None)
        .await
        .unwrap();
    origin.fresh_id = true;
    let again = bus
        .submit(origin, command_type, payload, None)
        .await
        .unwrap();
    (first, again)
}

#[tokio::test]
async fn what_the_bus_remembers_of_a_stream_follows_every_command_on_it() {
    let (db, _) = common::store::open().await;
    let (store, bus) = node(&db).await;
    let mut expected = 0u64;
    for round in 1..=30u64 {
        wallet(&bus, "DepositMoney", round).await.unwrap();
        expected += round;
        if round % 3 == 0 {
            wallet(&bus, "WithdrawMoney", round).await.unwrap();
            expected -= round;
        }
    }
    let loads = bus.state_loads();
    assert_eq!(
        (loads.from_memory, loads.from_log),
        (39, 1),
        "one read, of the stream before it existed; every later command decided on memory"
    );
    // An overdraft is refused on the remembered state, and confirmed on the log.
    let refused = wallet(&bus, "WithdrawMoney", expected + 1).await;
    assert!(matches!(refused, Err(CommandError::Rule(_))), "{refused:?}");
    assert_eq!(bus.state_loads().from_log, 2, "the refusal was read again");
    assert_eq!(balance(&store).await, (expected, 40));
    assert_eq!(store.head(), 40, "the refusal wrote nothing");
}

#[tokio::test]
async fn a_state_decided_on_memory_is_the_state_the_log_folds_to() {
    use agora::social::domain::user::{self, User};
    use agora::wallet::domain::{account, transfer};
    let (db, _) = common::store::open().await;
    let (store, bus) = node(&db).await;
    for handle in ["ann", "bob"] {
        let register = user::UserCommand::Register {
            user_id: Uuid::now_v7(),
            handle: handle.into(),
            display_name: Some(format!("{handle} at first")),
        };
        let origin = Origin::new(Uuid::now_v7(), Actor::user(handle));
        bus.submit_to::<User>("SignUp", user::stream(handle), register, None, &origin)
            .await
            .unwrap();
    }
    // Personal fields (sealed in the log, opened on read), counters, a transfer's steps.
    let profile = json!({ "display_name": "Ann Again", "bio": "sealed in the log" });
    bus.submit(ann(), "UpdateProfile", &profile, None)
        .await
        .unwrap();
    wallet(&bus, "DepositMoney", 500).await.unwrap();
    let send = json!({ "to": "bob", "amount": 120, "memo": "for the books" });
    let requested = bus
        .submit(ann(), "TransferMoney", &send, None)
        .await
        .unwrap();
    let transfer_id: Uuid = requested.id.unwrap().parse().unwrap();
    let step = json!({ "transfer_id": transfer_id, "from": "ann", "to": "bob", "amount": 120 });
    let process = || Origin::new(Uuid::now_v7(), Actor::system("transfers"));
    for step_type in ["DebitTransfer", "CreditTransfer", "CompleteTransfer"] {
        bus.submit(process(), step_type, &step, None).await.unwrap();
    }
    // A bus with no memory reads each stream; the first bus answers from what it kept.
    let reader = agora::contexts::registry().command_bus(store.clone());
    both::<User>(&bus, &reader, user::stream("ann")).await;
    both::<account::Account>(&bus, &reader, account::stream("ann")).await;
    both::<account::Account>(&bus, &reader, account::stream("bob")).await;
    both::<transfer::Transfer>(&bus, &reader, transfer::stream(transfer_id)).await;
}

/// The stream's state as `bus` remembers it and as `reader` reads it from the log: the same.
async fn both<A: agora::aggregate::Aggregate>(
    bus: &CommandBus,
    reader: &CommandBus,
    stream: String,
) {
    let before = bus.state_loads().from_memory;
    let (kept, kept_version) = bus.load::<A>(&stream).await.unwrap();
    assert_eq!(
        bus.state_loads().from_memory,
        before + 1,
        "{stream} from memory"
    );
    let (read, read_version) = reader.load::<A>(&stream).await.unwrap();
    assert_eq!(kept_version, read_version, "{stream}");
    let kept = serde_json::to_value(kept).unwrap();
    assert_eq!(kept, serde_json::to_value(read).unwrap(), "{stream}");
}
