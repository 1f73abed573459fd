//! The transfer process as a property, over the pure domain: an in-memory log (each aggregate is
//! the fold of its stream), the set of command ids already executed (the store's idempotency), and
//! people depositing, withdrawing and sending coins while the process (`next_step`) settles
//! transfers one event at a time. The crash model mirrors the policy runner: the process saves its
//! checkpoint only now and then, so a crash redelivers the events after it, and each redelivered
//! event asks for its step under the same derived command id, which the store answers without
//! acting again (else a redelivered request would debit twice). After every action no balance went
//! below zero and every coin is held or in flight; in the end every transfer settled exactly once.

use crate::aggregate::Aggregate;
use crate::policies::derived_command_id;
use crate::wallet::commands::Step;
use crate::wallet::domain::account::{self, Account, AccountCommand, AccountState};
use crate::wallet::domain::transfer::{self, Status, Transfer, TransferCommand, TransferState};
use crate::wallet::domain::Event;
use crate::wallet::policies::transfers::next_step;
use crate::wallet::read_models::transfers::transfer_of;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use uuid::Uuid;

const POLICY: &str = "transfers";
const HANDLES: [&str; 4] = ["ann", "bob", "cy", "dee"];
const OUTCOMES: [&str; 3] = ["TransferCompleted", "TransferRejected", "TransferFailed"];

#[derive(Debug, Clone, Copy)]
enum Action {
    Deposit(usize, u64),
    Withdraw(usize, u64),
    Send(usize, usize, u64),
    /// The person is gone: they send nothing more, and credits to them are declined.
    Erase(usize),
    /// The process handles the event at its cursor, then saves its checkpoint if `true`.
    Step(bool),
    /// The process restarts from its saved checkpoint.
    Crash,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        30 => (0..4usize, 1..=100u64).prop_map(|(h, a)| Action::Deposit(h, a)),
        10 => (0..4usize, 1..=100u64).prop_map(|(h, a)| Action::Withdraw(h, a)),
        30 => (0..4usize, 0..4usize, 1..=150u64).prop_map(|(f, t, a)| Action::Send(f, t, a)),
        2 => (0..4usize).prop_map(Action::Erase),
        60 => any::<bool>().prop_map(Action::Step),
        10 => Just(Action::Crash),
    ]
}

#[derive(Default)]
struct World {
    log: Vec<(Uuid, String, Event)>,
    /// Command ids the store has answered.
    seen: HashSet<Uuid>,
    /// Source of event and transfer ids, so that a run (and its shrinking) is deterministic.
    next: u128,
    cursor: usize,
    checkpoint: usize,
    /// Redelivered steps the derived command ids absorbed.
    absorbed: usize,
    erased: HashSet<String>,
    /// What people were told succeeded.
    deposited: u64,
    withdrawn: u64,
    requested: BTreeSet<Uuid>,
}

impl World {
    fn events<'a>(&'a self, stream: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.log.iter().filter(move |e| e.1 == stream).map(|e| &e.2)
    }

    fn balance(&self, handle: &str) -> u64 {
        Account::replay(self.events(&account::stream(handle))).balance
    }

    /// Decides on the stream's current state and appends what was decided; false on a refusal.
    fn execute<A: Aggregate<Event = Event>>(&mut self, stream: String, cmd: &A::Command) -> bool {
        let Ok(events) = A::decide(&A::replay(self.events(&stream)), cmd) else {
            return false;
        };
        for event in events {
            self.next += 1;
            let event_id = Uuid::from_u128(self.next);
            self.log.push((event_id, stream.clone(), event));
        }
        true
    }

    fn gone(&self, h: usize) -> bool {
        self.erased.contains(HANDLES[h])
    }

    fn act(&mut self, action: Action) {
        let handle = |h: usize| HANDLES[h].to_owned();
        let on = |h: usize| account::stream(HANDLES[h]);
        match action {
            Action::Deposit(h, amount) if !self.gone(h) => {
                let (reference, bonus_for) = (None, None);
                let command = AccountCommand::Deposit {
                    handle: handle(h),
                    amount,
                    reference,
                    bonus_for,
                };
                if self.execute::<Account>(on(h), &command) {
                    self.deposited += amount;
                }
            }
            Action::Withdraw(h, amount) if !self.gone(h) => {
                let command = AccountCommand::Withdraw {
                    handle: handle(h),
                    amount,
                };
                if self.execute::<Account>(on(h), &command) {
                    self.withdrawn += amount;
                }
            }
            Action::Send(from, to, amount) if from != to && !self.gone(from) => {
                self.next += 1;
                let transfer_id = Uuid::from_u128((1u128 << 64) | self.next);
                let (memo, post_id, to_exists) = (String::new(), None, !self.gone(to));
                let (from, to) = (handle(from), handle(to));
                let command = TransferCommand::Request {
                    transfer_id,
                    from,
                    to,
                    amount,
                    memo,
                    post_id,
                    to_exists,
                };
                if self.execute::<Transfer>(transfer::stream(transfer_id), &command) {
                    self.requested.insert(transfer_id);
                }
            }
            Action::Erase(h) => {
                self.erased.insert(handle(h));
            }
            Action::Step(checkpoint) => self.step(checkpoint),
            Action::Crash => self.cursor = self.checkpoint,
            // An erased person's command, or a send to oneself (refused, appending nothing).
            Action::Deposit(..) | Action::Withdraw(..) | Action::Send(..) => {}
        }
    }

    /// What the runner does with one event: its step, under the derived id, once (as the store
    /// records an id only with an answer, a refused step would be decided again).
    fn step(&mut self, save: bool) {
        let Some((event_id, _, event)) = self.log.get(self.cursor).cloned() else {
            return;
        };
        if let Some(issue) = next_step(&event) {
            let command_id = derived_command_id(POLICY, event_id, 0);
            if self.seen.contains(&command_id) {
                self.absorbed += 1;
            } else if self.run(issue.command_type, &issue.payload) {
                self.seen.insert(command_id);
            }
        }
        self.cursor += 1;
        if save {
            self.checkpoint = self.cursor;
        }
    }

    /// A step's command on the stream it touches, as `commands.rs` maps it.
    fn run(&mut self, command_type: &str, payload: &Value) -> bool {
        let step: Step = serde_json::from_value(payload.clone()).expect("the payload parses");
        let on_recipient = command_type == "CreditTransfer";
        let stream = account::stream(if on_recipient { &step.to } else { &step.from });
        let (transfer_id, can_receive) = (step.transfer_id, !self.erased.contains(&step.to));
        let (from, to, amount, post_id, reason) =
            (step.from, step.to, step.amount, step.post_id, step.reason);
        let command = match command_type {
            "DebitTransfer" => AccountCommand::Debit {
                transfer_id,
                from,
                to,
                amount,
                post_id,
            },
            "CreditTransfer" => AccountCommand::Credit {
                transfer_id,
                from,
                to,
                amount,
                post_id,
                can_receive,
            },
            "RefundTransfer" => AccountCommand::Refund {
                transfer_id,
                from,
                to,
                amount,
                reason,
            },
            _ => {
                let command = match command_type {
                    "CompleteTransfer" => TransferCommand::Complete { transfer_id },
                    "RejectTransfer" => TransferCommand::Reject {
                        transfer_id,
                        reason,
                    },
                    "FailTransfer" => TransferCommand::Fail {
                        transfer_id,
                        reason,
                    },
                    other => panic!("the transfer process has no step {other}"),
                };
                return self.execute::<Transfer>(transfer::stream(transfer_id), &command);
            }
        };
        self.execute::<Account>(stream, &command)
    }

    /// Recomputes everything from the log. `settled`: the process has reached the end of the log.
    fn check(&self, settled: bool) -> Result<(), TestCaseError> {
        let mut balances: HashMap<&str, u64> = HashMap::new();
        let mut tallies: BTreeMap<Uuid, Tally> = BTreeMap::new();
        for (_, stream, event) in &self.log {
            if let Some(handle) = stream.strip_prefix("account-") {
                let before = balances.get(handle).copied().unwrap_or(0);
                let expected = match event {
                    Event::MoneyDeposited { amount, .. }
                    | Event::TransferCredited { amount, .. }
                    | Event::TransferRefunded { amount, .. } => before.checked_add(*amount),
                    Event::MoneyWithdrawn { amount, .. }
                    | Event::TransferDebited { amount, .. } => before.checked_sub(*amount),
                    _ => Some(before),
                };
                let after = Account::evolve(AccountState { balance: before }, event).balance;
                let story = || format!("{event:?} on {stream} after {before}");
                prop_assert_eq!(Some(after), expected, "{}", story());
                balances.insert(handle, after);
            }
            if let Some(id) = transfer_of(event) {
                let t = tallies.entry(id).or_default();
                t.state = Transfer::evolve(std::mem::take(&mut t.state), event);
                t.events.push(event.type_name());
                // A step lands on the account it touches; an outcome on the transfer.
                let (sender, recipient) =
                    (account::stream(&t.state.from), account::stream(&t.state.to));
                let on = match event.type_name() {
                    "TransferDebited" | "TransferDebitDeclined" | "TransferRefunded" => sender,
                    "TransferCredited" | "TransferCreditDeclined" => recipient,
                    _ => transfer::stream(id),
                };
                prop_assert_eq!(stream, &on, "{:?} of {:?}", event, t.events);
            }
        }

        let mut in_flight = 0;
        for (id, t) in &tallies {
            let story = || format!("transfer {id} has {:?}", t.events);
            prop_assert_eq!(t.events[0], "TransferRequested", "{}", story());
            for name in &t.events {
                prop_assert_eq!(t.count(name), 1, "{}", story());
            }
            let outcomes: usize = OUTCOMES.iter().map(|o| t.count(o)).sum();
            prop_assert!(outcomes <= 1, "{}", story());
            let (debits, credits, refunds) = t.legs();
            prop_assert!(credits + refunds <= debits, "{}", story());
            in_flight += t.state.amount * (debits - credits - refunds) as u64;
            if settled {
                let legs = match t.state.status {
                    Status::Completed => (1, 1, 0),
                    Status::Rejected => (0, 0, 0),
                    Status::Failed => (1, 0, 1),
                    pending => {
                        return Err(TestCaseError::fail(format!("{}: {pending:?}", story())))
                    }
                };
                prop_assert_eq!(t.legs(), legs, "{}", story());
            }
        }
        let held: u64 = balances.values().sum();
        let net = self.deposited - self.withdrawn;
        // Every coin deposited and not withdrawn is in an account or in flight.
        prop_assert_eq!(held + in_flight, net, "held + in flight");
        if settled {
            prop_assert_eq!(self.cursor, self.log.len());
            prop_assert_eq!(in_flight, 0);
            let ids: BTreeSet<Uuid> = tallies.keys().copied().collect();
            prop_assert_eq!(&ids, &self.requested);
        }
        Ok(())
    }
}

/// One transfer as the log tells it: its state, and the type of each of its events in order.
#[derive(Default)]
struct Tally {
    state: TransferState,
    events: Vec<&'static str>,
}

impl Tally {
    fn count(&self, name: &str) -> usize {
        self.events.iter().filter(|e| **e == name).count()
    }

    /// (debits, credits, refunds)
    fn legs(&self) -> (usize, usize, usize) {
        let [d, c, r] =
            ["TransferDebited", "TransferCredited", "TransferRefunded"].map(|n| self.count(n));
        (d, c, r)
    }
}

/// Runs the process to the end of the log, with no more crashes, checking after every step.
fn settle(world: &mut World) -> Result<(), TestCaseError> {
    while world.cursor < world.log.len() {
        world.step(true);
        world.check(false)?;
    }
    world.check(true)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever people do and however often the process crashes, no balance goes below zero, no
    /// coin is made or lost, and every transfer settles exactly once.
    #[test]
    fn transfers_settle_exactly_once_and_no_coin_is_made_or_lost_across_crashes(
        actions in prop::collection::vec(action(), 20..200),
    ) {
        let mut world = World::default();
        for action in actions {
            world.act(action);
            world.check(false)?;
        }
        settle(&mut world)?;
    }
}

#[test]
fn a_crash_before_the_checkpoint_redelivers_the_request_and_its_derived_id_absorbs_the_debit() {
    let mut world = World::default();
    // The deposit, then the request (its debit issued), both before the first checkpoint.
    let (deposit, send) = (Action::Deposit(0, 100), Action::Send(0, 1, 30));
    let step = Action::Step(false);
    for action in [deposit, send, step, step, Action::Crash] {
        world.act(action);
    }
    settle(&mut world).unwrap();
    assert_eq!(world.absorbed, 1);
    assert_eq!((world.balance("ann"), world.balance("bob")), (70, 30));
}
