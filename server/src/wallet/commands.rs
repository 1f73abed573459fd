//! The wallet's commands: the three of the contract a person sends (`DepositMoney`,
//! `WithdrawMoney`, `TransferMoney`) and the transfer process's steps, which only system actors (the
//! policies) may send. Amounts must be JSON integers from 1 to `MAX_AMOUNT`: a string, a fraction
//! or a negative number is 400 before anything runs.

use super::domain::account::{self, Account, AccountCommand};
use super::domain::transfer::{self, Transfer, TransferCommand};
use super::domain::{invalid_amount, valid_amount, Rule, FUND, MAX_PERSONAL_DEPOSIT};
use crate::aggregate::Actor;
use crate::commands::{tagged_schema, CommandBus, CommandError, CommandHandler, Executed, Origin};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use utoipa::PartialSchema;
use uuid::Uuid;

/// The contract's types this context takes; the last six are the transfer process's steps.
pub const TYPES: &[&str] = &[
    "DepositMoney",
    "WithdrawMoney",
    "TransferMoney",
    "DebitTransfer",
    "CreditTransfer",
    "RefundTransfer",
    "CompleteTransfer",
    "RejectTransfer",
    "FailTransfer",
];

/// An amount as sent: any JSON value, checked to be a whole number in range.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
struct Amount(Value);

impl Amount {
    fn coins(&self) -> Result<u64, Rule> {
        self.0
            .as_u64()
            .ok_or_else(invalid_amount)
            .and_then(valid_amount)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Deposit {
    #[schema(value_type = u64, minimum = 1, maximum = 1_000_000_000)]
    amount: Amount,
    #[serde(default)]
    reference: Option<String>,
    /// Admins and the bonus policy deposit into any account.
    #[serde(default)]
    handle: Option<String>,
    /// Set by the bonus policy: whose deposit this bonus is for.
    #[serde(default)]
    bonus_for: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Withdraw {
    #[schema(value_type = u64, minimum = 1, maximum = 1_000_000_000)]
    amount: Amount,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Send {
    #[serde(default)]
    transfer_id: Option<Uuid>,
    to: String,
    #[schema(value_type = u64, minimum = 1, maximum = 1_000_000_000)]
    amount: Amount,
    #[serde(default)]
    memo: Option<String>,
    #[serde(default)]
    post_id: Option<Uuid>,
}

/// A step of the transfer process, as the policy sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    pub(crate) transfer_id: Uuid,
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) to: String,
    #[serde(default)]
    pub(crate) amount: u64,
    #[serde(default)]
    pub(crate) post_id: Option<Uuid>,
    #[serde(default)]
    pub(crate) reason: String,
}

fn parse<T: DeserializeOwned>(payload: &Value) -> Result<T, Rule> {
    serde_json::from_value(payload.clone()).map_err(|e| Rule::Invalid(format!("payload: {e}")))
}

pub struct WalletCommands;

impl CommandHandler for WalletCommands {
    fn types(&self) -> &'static [&'static str] {
        TYPES
    }

    fn schema(&self) -> Value {
        let schema = |schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
            serde_json::to_value(schema).unwrap_or_default()
        };
        let payloads = TYPES.iter().map(|&name| {
            let payload = match name {
                "DepositMoney" => schema(Deposit::schema()),
                "WithdrawMoney" => schema(Withdraw::schema()),
                "TransferMoney" => schema(Send::schema()),
                _ => schema(Step::schema()),
            };
            (name, payload)
        });
        tagged_schema(&payloads.collect::<Vec<_>>())
    }

    fn run<'a>(
        &'a self,
        bus: &'a CommandBus,
        origin: &'a Origin,
        command_type: &'a str,
        payload: &'a Value,
        expected: Option<u64>,
    ) -> BoxFuture<'a, Result<Executed, CommandError>> {
        Box::pin(async move {
            let actor = &origin.actor;
            match command_type {
                "DepositMoney" => {
                    let (handle, command) = deposit(actor, parse(payload)?)?;
                    // Coins go only to someone who can hold them: a typo must not fill a ghost
                    // account that a later sign-up would inherit.
                    if handle != actor.handle
                        && handle != FUND
                        && bus.person(&handle).await?.is_none()
                    {
                        return Err(Rule::NotFound(format!("no one is called @{handle}")).into());
                    }
                    bus.execute::<Account>(account::stream(&handle), command, expected, origin)
                        .await
                }
                "WithdrawMoney" => {
                    let Withdraw { amount } = parse(payload)?;
                    let command = AccountCommand::Withdraw {
                        handle: actor.handle.clone(),
                        amount: amount.coins()?,
                    };
                    let stream = account::stream(&actor.handle);
                    bus.execute::<Account>(stream, command, expected, origin)
                        .await
                }
                "TransferMoney" => {
                    let send: Send = parse(payload)?;
                    let amount = send.amount.coins()?;
                    let to_exists = send.to == FUND || bus.person(&send.to).await?.is_some();
                    let transfer_id = send.transfer_id.unwrap_or_else(Uuid::now_v7);
                    let command = TransferCommand::Request {
                        transfer_id,
                        from: actor.handle.clone(),
                        to: send.to,
                        amount,
                        memo: send.memo.unwrap_or_default().trim().to_owned(),
                        post_id: send.post_id,
                        to_exists,
                    };
                    let stream = transfer::stream(transfer_id);
                    bus.execute::<Transfer>(stream, command, expected, origin)
                        .await
                }
                step_type => {
                    if !actor.is_system() {
                        return Err(Rule::Forbidden(
                            "only the transfer process settles transfers".into(),
                        )
                        .into());
                    }
                    step(bus, origin, step_type, parse(payload)?).await
                }
            }
        })
    }
}

/// A deposit's account and command: a person tops up their own account, at most
/// `MAX_PERSONAL_DEPOSIT` at a time; admins and policies name any account.
fn deposit(actor: &Actor, deposit: Deposit) -> Result<(String, AccountCommand), Rule> {
    let amount = deposit.amount.coins()?;
    let handle = match deposit.handle {
        Some(handle) if handle != actor.handle && !actor.is_admin => {
            return Err(Rule::Forbidden(
                "only admins deposit into someone else's account".into(),
            ))
        }
        Some(handle) => handle,
        None => actor.handle.clone(),
    };
    if deposit.bonus_for.is_some() && !actor.is_system() {
        return Err(Rule::Forbidden("only the bonus policy pays bonuses".into()));
    }
    if !actor.is_admin && amount > MAX_PERSONAL_DEPOSIT {
        return Err(Rule::Refused(format!(
            "a top-up is at most {MAX_PERSONAL_DEPOSIT} coins"
        )));
    }
    let command = AccountCommand::Deposit {
        handle: handle.clone(),
        amount,
        reference: deposit.reference,
        bonus_for: deposit.bonus_for,
    };
    Ok((handle, command))
}

/// One step of the transfer process, on the account or the transfer it touches.
async fn step(
    bus: &CommandBus,
    origin: &Origin,
    step_type: &str,
    step: Step,
) -> Result<Executed, CommandError> {
    let Step {
        transfer_id,
        from,
        to,
        amount,
        post_id,
        reason,
    } = step;
    let on_account = |handle: &str, command| {
        bus.execute::<Account>(account::stream(handle), command, None, origin)
    };
    let on_transfer =
        |command| bus.execute::<Transfer>(transfer::stream(transfer_id), command, None, origin);
    match step_type {
        "DebitTransfer" => {
            let command = AccountCommand::Debit {
                transfer_id,
                from: from.clone(),
                to,
                amount,
                post_id,
            };
            on_account(&from, command).await
        }
        "CreditTransfer" => {
            let can_receive = to == FUND || bus.person(&to).await?.is_some();
            let command = AccountCommand::Credit {
                transfer_id,
                from,
                to: to.clone(),
                amount,
                post_id,
                can_receive,
            };
            on_account(&to, command).await
        }
        "RefundTransfer" => {
            let command = AccountCommand::Refund {
                transfer_id,
                from: from.clone(),
                to,
                amount,
                reason,
            };
            on_account(&from, command).await
        }
        "CompleteTransfer" => on_transfer(TransferCommand::Complete { transfer_id }).await,
        "RejectTransfer" => {
            on_transfer(TransferCommand::Reject {
                transfer_id,
                reason,
            })
            .await
        }
        _ => {
            on_transfer(TransferCommand::Fail {
                transfer_id,
                reason,
            })
            .await
        }
    }
}
