//! Given/when/then for the transfer, and for what an amount may be.

use crate::aggregate::harness::given;
use crate::wallet::domain::transfer::{Transfer, TransferCommand, MAX_MEMO};
use crate::wallet::domain::*;
use uuid::Uuid;

const T: Uuid = Uuid::from_u128(1);
const POST: Uuid = Uuid::from_u128(2);

fn request(from: &str, to: &str, memo: &str, to_exists: bool) -> TransferCommand {
    TransferCommand::Request {
        transfer_id: T,
        from: from.into(),
        to: to.into(),
        amount: 40,
        memo: memo.into(),
        post_id: Some(POST),
        to_exists,
    }
}

fn requested(memo: &str) -> Event {
    Event::TransferRequested {
        transfer_id: T,
        from: "ann".into(),
        to: "bob".into(),
        amount: 40,
        memo: memo.into(),
        post_id: Some(POST),
    }
}

/// Each way to settle a transfer, with what it emits on a pending one.
fn settlements() -> [(TransferCommand, Event); 3] {
    [
        (
            TransferCommand::Complete { transfer_id: T },
            Event::TransferCompleted { transfer_id: T },
        ),
        (
            TransferCommand::Reject {
                transfer_id: T,
                reason: OVERDRAW.into(),
            },
            Event::TransferRejected {
                transfer_id: T,
                reason: OVERDRAW.into(),
            },
        ),
        (
            TransferCommand::Fail {
                transfer_id: T,
                reason: "refunded".into(),
            },
            Event::TransferFailed {
                transfer_id: T,
                reason: "refunded".into(),
            },
        ),
    ]
}

#[test]
fn a_request_emits_transfer_requested() {
    given::<Transfer>(&[])
        .when(request("ann", "bob", "thanks", true))
        .then(&[requested("thanks")]);
}

#[test]
fn a_transfer_to_oneself_is_refused() {
    given::<Transfer>(&[])
        .when(request("ann", "ann", "thanks", true))
        .then_refused(Rule::Refused("you can not send coins to yourself".into()));
}

#[test]
fn the_funds_coins_are_not_sent_by_hand() {
    given::<Transfer>(&[])
        .when(request(FUND, "bob", "thanks", true))
        .then_refused_as(Rule::Forbidden);
}

#[test]
fn a_transfer_to_someone_who_does_not_exist_is_not_found() {
    given::<Transfer>(&[])
        .when(request("ann", "nobody", "thanks", false))
        .then_refused(Rule::NotFound("no one is called @nobody".into()));
}

#[test]
fn a_memo_longer_than_max_memo_characters_is_invalid() {
    given::<Transfer>(&[])
        .when(request("ann", "bob", &"é".repeat(MAX_MEMO + 1), true))
        .then_refused_as(Rule::Invalid);
    let longest = "é".repeat(MAX_MEMO);
    given::<Transfer>(&[])
        .when(request("ann", "bob", &longest, true))
        .then(&[requested(&longest)]);
}

#[test]
fn a_transfer_id_is_requested_once() {
    given::<Transfer>(&[requested("thanks")])
        .when(request("ann", "bob", "thanks", true))
        .then_refused_as(Rule::Conflict);
}

#[test]
fn a_pending_transfer_is_completed_rejected_or_failed_by_its_event() {
    for (command, event) in settlements() {
        given::<Transfer>(&[requested("thanks")])
            .when(command)
            .then(&[event]);
    }
}

#[test]
fn settling_a_settled_transfer_again_emits_nothing() {
    for (_, outcome) in settlements() {
        for (command, _) in settlements() {
            given::<Transfer>(&[requested("thanks"), outcome.clone()])
                .when(command)
                .then(&[]);
        }
    }
}

#[test]
fn settling_a_transfer_that_was_never_requested_is_not_found() {
    for (command, _) in settlements() {
        given::<Transfer>(&[])
            .when(command)
            .then_refused(Rule::NotFound("no such transfer".into()));
    }
}

#[test]
fn only_a_request_begins_a_stream() {
    let command = request("ann", "bob", "thanks", true);
    assert!(Transfer::begins_stream(&command));
    for (command, _) in settlements() {
        assert!(!Transfer::begins_stream(&command));
    }
}

#[test]
fn an_amount_is_valid_from_one_to_max_amount_and_invalid_outside() {
    let invalid = Rule::Invalid(format!(
        "amount is a whole number of coins from 1 to {MAX_AMOUNT}"
    ));
    assert_eq!(valid_amount(0), Err(invalid.clone()));
    assert_eq!(valid_amount(MAX_AMOUNT + 1), Err(invalid));
    assert_eq!(valid_amount(1), Ok(1));
    assert_eq!(valid_amount(MAX_AMOUNT), Ok(MAX_AMOUNT));
}
