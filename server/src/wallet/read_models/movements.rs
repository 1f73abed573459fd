//! Movements: every change of every balance, newest first, each with what made it. Serves
//! `GET /api/wallet/movements` and `GET /api/wallet/why`.
//!
//! A movement is `wallet_movement:[handle, -position]` (a person's movements are one key range,
//! newest first). Beside it, `wallet_step:<event id>` keeps each wallet event's command, actor and
//! cause, so "why is my balance X" follows a movement's causation back to the person's action
//! (a tip: credit ← debit ← `TransferMoney` by ann) without reading the log.

use crate::db::{self, Db};
use crate::projections::keys::{minus, newest_first};
use crate::projections::Generation;
use crate::wallet::domain::event::command_of;
use crate::wallet::domain::Event;
use app::wire::{Cause, Envelope, ExplainedMovement, Movement, MovementKind, Step};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

pub const TABLE: &str = "wallet_movement";
pub const STEPS: &str = "wallet_step";

/// Causation chains longer than this are cut (none of the wallet's is longer than five).
const MAX_DEPTH: usize = 8;

/// What made an event: kept with each movement and each step.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Origin {
    command_id: Option<Uuid>,
    actor: Option<String>,
    command_type: String,
    /// The event id that caused the command (a policy's step), if any.
    causation: Option<Uuid>,
}

impl Origin {
    fn of(envelope: &Envelope) -> Origin {
        Origin {
            command_id: envelope.metadata.command_id,
            actor: envelope.metadata.actor.clone(),
            command_type: command_of(&envelope.event_type)
                .unwrap_or_default()
                .to_owned(),
            causation: envelope.metadata.causation_id,
        }
    }
}

#[derive(Debug, Deserialize)]
struct MovementRow {
    #[serde(flatten)]
    movement: Movement,
    #[serde(flatten)]
    origin: Origin,
}

#[derive(Debug, Clone, Deserialize)]
struct StepRow {
    position: u64,
    event: String,
    stream: String,
    #[serde(flatten)]
    origin: Origin,
}

/// The movement an event makes on a balance, and whose balance it is.
pub fn movement(event: &Event, envelope: &Envelope) -> Option<(String, Movement)> {
    let (owner, kind, amount, balance_after, transfer_id, counterparty, post_id) = match event {
        Event::MoneyDeposited {
            handle,
            amount,
            balance,
            bonus_for,
            ..
        } => {
            let kind = match bonus_for {
                Some(_) => MovementKind::Bonus,
                None => MovementKind::Deposit,
            };
            let from = bonus_for.clone();
            (handle, kind, amount, balance, None, from, None)
        }
        Event::MoneyWithdrawn {
            handle,
            amount,
            balance,
        } => (
            handle,
            MovementKind::Withdrawal,
            amount,
            balance,
            None,
            None,
            None,
        ),
        Event::TransferDebited {
            transfer_id,
            from,
            to,
            amount,
            balance,
            post_id,
        } => {
            let kind = MovementKind::TransferOut;
            (
                from,
                kind,
                amount,
                balance,
                Some(*transfer_id),
                Some(to.clone()),
                *post_id,
            )
        }
        Event::TransferCredited {
            transfer_id,
            from,
            to,
            amount,
            balance,
            post_id,
        } => {
            let kind = MovementKind::TransferIn;
            (
                to,
                kind,
                amount,
                balance,
                Some(*transfer_id),
                Some(from.clone()),
                *post_id,
            )
        }
        Event::TransferRefunded {
            transfer_id,
            from,
            to,
            amount,
            balance,
            ..
        } => {
            let kind = MovementKind::Refund;
            (
                from,
                kind,
                amount,
                balance,
                Some(*transfer_id),
                Some(to.clone()),
                None,
            )
        }
        _ => return None,
    };
    let movement = Movement {
        position: envelope.position,
        at: envelope.metadata.at.clone(),
        kind,
        amount: *amount,
        balance_after: *balance_after,
        transfer_id,
        counterparty,
        post_id,
    };
    Some((owner.clone(), movement))
}

/// The row of a movement, with what made it.
pub fn movement_row(owner: &str, movement: &Movement, envelope: &Envelope) -> Value {
    let mut row = serde_json::to_value(movement).expect("movements serialize");
    let origin = serde_json::to_value(Origin::of(envelope)).expect("origins serialize");
    if let (Value::Object(row), Value::Object(origin)) = (&mut row, origin) {
        row.extend(origin);
        row.insert("id".into(), json!([owner, minus(movement.position)]));
    }
    row
}

/// The row of a wallet event as a step of causation chains.
pub fn step_row(envelope: &Envelope) -> Value {
    let mut row = serde_json::to_value(Origin::of(envelope)).expect("origins serialize");
    row["id"] = json!(envelope.event_id.to_string());
    row["position"] = json!(envelope.position);
    row["event"] = json!(envelope.event_type);
    row["stream"] = json!(envelope.stream);
    row
}

async fn movement_rows(
    db: &Db,
    g: Generation,
    handle: &str,
    below: Option<u64>,
    limit: usize,
) -> anyhow::Result<(Vec<MovementRow>, Option<String>)> {
    let range = newest_first(&g.table(TABLE), handle, below);
    let sql = format!("SELECT * OMIT id FROM {range} LIMIT {}", limit + 1);
    let mut rows = db::rows(db, sql, Value::Null)
        .await?
        .into_iter()
        .map(serde_json::from_value::<MovementRow>)
        .collect::<Result<Vec<_>, _>>()?;
    let next = (rows.len() > limit).then(|| rows[limit - 1].movement.position.to_string());
    rows.truncate(limit);
    Ok((rows, next))
}

/// A page of a person's movements below the position `below`, newest first.
pub async fn page(
    db: &Db,
    g: Generation,
    handle: &str,
    below: Option<u64>,
    limit: usize,
) -> anyhow::Result<(Vec<Movement>, Option<String>)> {
    let (rows, next) = movement_rows(db, g, handle, below, limit).await?;
    Ok((rows.into_iter().map(|row| row.movement).collect(), next))
}

/// The movements at or before `at` (below `cursor` when paging), each with its causation chain.
pub async fn explained(
    db: &Db,
    g: Generation,
    handle: &str,
    at: u64,
    cursor: Option<u64>,
    limit: usize,
) -> anyhow::Result<(Vec<ExplainedMovement>, Option<String>)> {
    let below = cursor.unwrap_or(u64::MAX).min(at.saturating_add(1));
    let (rows, next) = movement_rows(db, g, handle, Some(below), limit).await?;
    let steps = steps_behind(db, g, rows.iter().filter_map(|r| r.origin.causation)).await?;
    let movements = rows
        .into_iter()
        .map(|row| ExplainedMovement {
            cause: cause(&row.origin, &steps, 0),
            movement: row.movement,
        })
        .collect();
    Ok((movements, next))
}

/// Every step the chains starting at `first` go through, read a level at a time.
async fn steps_behind(
    db: &Db,
    g: Generation,
    first: impl Iterator<Item = Uuid>,
) -> anyhow::Result<HashMap<Uuid, StepRow>> {
    let mut steps: HashMap<Uuid, StepRow> = HashMap::new();
    let mut wanted: Vec<String> = first.map(|id| id.to_string()).collect();
    let sql = format!(
        "SELECT record::id(id) AS key, * OMIT id FROM array::map($ids, |$id| type::record('{}', $id)) WHERE id != NONE",
        g.table(STEPS)
    );
    for _ in 0..MAX_DEPTH {
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        let rows = db::rows(db, sql.as_str(), json!({ "ids": wanted })).await?;
        wanted = vec![];
        for mut row in rows {
            let Some(key) = row.get("key").and_then(Value::as_str).map(Uuid::parse_str) else {
                continue;
            };
            row.as_object_mut().map(|row| row.remove("key"));
            let step: StepRow = serde_json::from_value(row)?;
            if let Some(cause) = step.origin.causation.filter(|c| !steps.contains_key(c)) {
                wanted.push(cause.to_string());
            }
            steps.insert(key?, step);
        }
    }
    Ok(steps)
}

fn cause(origin: &Origin, steps: &HashMap<Uuid, StepRow>, depth: usize) -> Cause {
    let caused_by = origin
        .causation
        .filter(|_| depth < MAX_DEPTH)
        .and_then(|id| steps.get(&id))
        .map(|step| {
            Box::new(Step {
                position: step.position,
                event: step.event.clone(),
                stream: step.stream.clone(),
                cause: cause(&step.origin, steps, depth + 1),
            })
        });
    Cause {
        command_id: origin.command_id.unwrap_or_default(),
        actor: origin.actor.clone(),
        command_type: origin.command_type.clone(),
        caused_by,
    }
}
