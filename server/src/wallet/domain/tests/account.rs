//! Given/when/then for the account: deposits, withdrawals and the transfer steps on a balance.

use crate::aggregate::harness::given;
use crate::wallet::domain::account::{Account, AccountCommand, AccountState};
use crate::wallet::domain::*;
use uuid::Uuid;

const T: Uuid = Uuid::from_u128(1);
const POST: Uuid = Uuid::from_u128(2);
const CANT_RECEIVE: &str = "the recipient can no longer receive coins";

fn deposited(handle: &str, amount: u64, balance: u64) -> Event {
    Event::MoneyDeposited {
        handle: handle.into(),
        amount,
        balance,
        reference: None,
        bonus_for: None,
    }
}

fn deposit(amount: u64) -> AccountCommand {
    AccountCommand::Deposit {
        handle: "ann".into(),
        amount,
        reference: None,
        bonus_for: None,
    }
}

fn bonus(amount: u64) -> AccountCommand {
    AccountCommand::Deposit {
        handle: FUND.into(),
        amount,
        reference: None,
        bonus_for: Some("ann".into()),
    }
}

fn withdraw(amount: u64) -> AccountCommand {
    AccountCommand::Withdraw {
        handle: "ann".into(),
        amount,
    }
}

fn withdrawn(amount: u64, balance: u64) -> Event {
    Event::MoneyWithdrawn {
        handle: "ann".into(),
        amount,
        balance,
    }
}

fn debit(amount: u64) -> AccountCommand {
    AccountCommand::Debit {
        transfer_id: T,
        from: "ann".into(),
        to: "bob".into(),
        amount,
        post_id: Some(POST),
    }
}

fn debited(amount: u64, balance: u64) -> Event {
    Event::TransferDebited {
        transfer_id: T,
        from: "ann".into(),
        to: "bob".into(),
        amount,
        balance,
        post_id: Some(POST),
    }
}

fn debit_declined(amount: u64) -> Event {
    Event::TransferDebitDeclined {
        transfer_id: T,
        from: "ann".into(),
        to: "bob".into(),
        amount,
        reason: OVERDRAW.into(),
    }
}

fn credit(amount: u64, can_receive: bool) -> AccountCommand {
    AccountCommand::Credit {
        transfer_id: T,
        from: "ann".into(),
        to: "bob".into(),
        amount,
        post_id: Some(POST),
        can_receive,
    }
}

fn credited(amount: u64, balance: u64) -> Event {
    Event::TransferCredited {
        transfer_id: T,
        from: "ann".into(),
        to: "bob".into(),
        amount,
        balance,
        post_id: Some(POST),
    }
}

fn credit_declined(amount: u64, reason: &str) -> Event {
    Event::TransferCreditDeclined {
        transfer_id: T,
        from: "ann".into(),
        to: "bob".into(),
        amount,
        reason: reason.into(),
    }
}

fn refunded(amount: u64, balance: u64) -> Event {
    Event::TransferRefunded {
        transfer_id: T,
        from: "ann".into(),
        to: "bob".into(),
        amount,
        balance,
        reason: CANT_RECEIVE.into(),
    }
}

#[test]
fn a_deposit_opens_the_account_and_carries_the_new_balance() {
    given::<Account>(&[])
        .when(deposit(50))
        .then(&[deposited("ann", 50, 50)]);
}

#[test]
fn deposits_add_up() {
    given::<Account>(&[deposited("ann", 50, 50)])
        .when(deposit(25))
        .then(&[deposited("ann", 25, 75)]);
}

#[test]
fn a_withdrawal_within_the_balance_leaves_the_rest() {
    given::<Account>(&[deposited("ann", 100, 100)])
        .when(withdraw(30))
        .then(&[withdrawn(30, 70)]);
}

#[test]
fn a_withdrawal_that_would_overdraw_is_refused() {
    given::<Account>(&[deposited("ann", 100, 100)])
        .when(withdraw(101))
        .then_refused(Rule::Refused(OVERDRAW.into()));
}

#[test]
fn a_deposit_beyond_max_balance_is_refused() {
    given::<Account>(&[deposited("ann", 1, MAX_BALANCE - 10)])
        .when(deposit(11))
        .then_refused(Rule::Refused(format!(
            "an account holds at most {MAX_BALANCE} coins"
        )));
}

#[test]
fn a_bonus_is_paid_while_the_fund_is_under_its_cap_and_skipped_from_it_on() {
    given::<Account>(&[deposited(FUND, 1, FUND_CAP - 1)])
        .when(bonus(10))
        .then(&[Event::MoneyDeposited {
            handle: FUND.into(),
            amount: 10,
            balance: FUND_CAP + 9,
            reference: None,
            bonus_for: Some("ann".into()),
        }]);
    given::<Account>(&[deposited(FUND, 1, FUND_CAP)])
        .when(bonus(10))
        .then(&[]);
    given::<Account>(&[deposited(FUND, 1, FUND_CAP + 1)])
        .when(bonus(10))
        .then(&[]);
}

#[test]
fn a_debit_within_the_balance_emits_the_balance_after() {
    given::<Account>(&[deposited("ann", 100, 100)])
        .when(debit(40))
        .then(&[debited(40, 60)]);
}

#[test]
fn a_debit_beyond_the_balance_is_declined_not_refused() {
    given::<Account>(&[deposited("ann", 30, 30)])
        .when(debit(40))
        .then(&[debit_declined(40)]);
}

#[test]
fn a_credit_emits_transfer_credited_with_the_balance_after() {
    given::<Account>(&[deposited("bob", 5, 5)])
        .when(credit(40, true))
        .then(&[credited(40, 45)]);
}

#[test]
fn a_credit_to_someone_who_can_not_receive_is_declined() {
    given::<Account>(&[deposited("bob", 5, 5)])
        .when(credit(40, false))
        .then(&[credit_declined(40, CANT_RECEIVE)]);
}

#[test]
fn a_credit_that_would_pass_max_balance_is_declined() {
    let too_much = format!("the recipient's account can not hold more than {MAX_BALANCE} coins");
    given::<Account>(&[deposited("bob", 1, MAX_BALANCE - 39)])
        .when(credit(40, true))
        .then(&[credit_declined(40, &too_much)]);
}

#[test]
fn a_refund_always_brings_the_coins_back_even_past_max_balance() {
    given::<Account>(&[deposited("ann", 1, MAX_BALANCE)])
        .when(AccountCommand::Refund {
            transfer_id: T,
            from: "ann".into(),
            to: "bob".into(),
            amount: 40,
            reason: CANT_RECEIVE.into(),
        })
        .then(&[refunded(40, MAX_BALANCE + 40)]);
}

#[test]
fn the_balance_is_the_one_the_last_movement_left() {
    let history = [
        deposited("ann", 100, 100),
        withdrawn(30, 70),
        debited(20, 50),
        credited(5, 55),
        refunded(20, 75),
    ];
    assert_eq!(Account::replay(&history), AccountState { balance: 75 });
}

#[test]
fn declined_events_leave_the_balance_alone() {
    let history = [
        deposited("ann", 100, 100),
        debit_declined(400),
        credit_declined(40, CANT_RECEIVE),
    ];
    assert_eq!(Account::replay(&history), AccountState { balance: 100 });
}
