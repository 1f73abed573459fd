//! Year-end statements, precomputed: per account and year the opening and closing balance, the
//! totals by kind, and the year's movements. Serves `GET /api/wallet/statements/{year}`.
//!
//! A statement is pinned to the position of its year's last movement and carries a checksum chained
//! over its movements in position order (`sha256(previous checksum ‖ CSV line)`), so a rebuild of
//! this read model — or [`from_log`], which folds the account's stream on each request and is what
//! the precomputation saves — reproduces it exactly. Rows: `wallet_statement:[handle, year]` and
//! `wallet_statement_line:[handle, year, position]` (a year's lines are one key range).

use super::movements;
use crate::aggregate::decode;
use crate::db::{self, Db};
use crate::projections::keys::quote;
use crate::projections::{Definition, Generation, Output, Scope};
use crate::store::Store;
use crate::wallet::domain::{account, Event};
use app::wire::{Envelope, Movement, MovementKind, Statement};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const NAME: &str = "statements";
const TABLE: &str = "wallet_statement";
const LINES: &str = "wallet_statement_line";
const FIELDS: &[&str] = &[
    "handle",
    "year",
    "opening",
    "closing",
    "deposits",
    "withdrawals",
    "sent",
    "received",
    "bonus",
    "refunds",
    "position",
    "checksum",
];

pub const STATEMENTS: Definition = Definition {
    name: NAME,
    version: 1,
    schema: "
DEFINE TABLE IF NOT EXISTS wallet_statement{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS wallet_statement_line{g} SCHEMALESS;
",
    tables: &[TABLE, LINES],
    in_order: true,
    sources: None,
    apply: |scope, events, out| Box::pin(apply(scope, events, out)),
};

/// The CSV header of a statement's movements.
pub const CSV_HEADER: &str =
    "position,at,kind,amount,balance_after,transfer_id,counterparty,post_id";

/// One movement as a CSV line (the line the checksum is chained over).
pub fn csv_line(m: &Movement) -> String {
    let or_empty = |v: Option<String>| v.unwrap_or_default();
    format!(
        "{},{},{},{},{},{},{},{}",
        m.position,
        m.at,
        m.kind.as_str(),
        m.amount,
        m.balance_after,
        or_empty(m.transfer_id.map(|id| id.to_string())),
        or_empty(m.counterparty.clone()),
        or_empty(m.post_id.map(|id| id.to_string())),
    )
}

/// The year of an RFC 3339 time.
pub fn year_of(at: &str) -> Option<i32> {
    at.get(..4)?.parse().ok()
}

/// Adds a movement to its year's statement (movements come in position order).
pub fn add(statement: &mut Statement, m: &Movement) {
    let amount = m.amount;
    if statement.position == 0 {
        statement.opening = if m.kind.is_credit() {
            m.balance_after - amount
        } else {
            m.balance_after + amount
        };
    }
    let total = match m.kind {
        MovementKind::Deposit => &mut statement.deposits,
        MovementKind::Withdrawal => &mut statement.withdrawals,
        MovementKind::TransferOut => &mut statement.sent,
        MovementKind::TransferIn => &mut statement.received,
        MovementKind::Bonus => &mut statement.bonus,
        MovementKind::Refund => &mut statement.refunds,
    };
    *total += amount;
    statement.closing = m.balance_after;
    statement.position = m.position;
    let mut digest = Sha256::new();
    digest.update(statement.checksum.as_bytes());
    digest.update(csv_line(m).as_bytes());
    statement.checksum = format!("{:x}", digest.finalize());
}

fn blank(handle: &str, year: i32) -> Statement {
    Statement {
        handle: handle.to_owned(),
        year,
        ..Statement::default()
    }
}

async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let g = scope.generation;
    let mut moved: Vec<(String, i32, Movement)> = vec![];
    for envelope in events {
        let Some(event) = decode::<Event>(envelope)? else {
            continue;
        };
        if let Some((owner, movement)) = movements::movement(&event, envelope) {
            let year = year_of(&movement.at).unwrap_or_default();
            moved.push((owner, year, movement));
        }
    }
    if moved.is_empty() {
        return Ok(());
    }
    let keys: Vec<Value> = moved.iter().map(|(h, y, _)| json!([h, y])).collect();
    let sql = format!(
        "SELECT * OMIT id FROM array::map($keys, |$k| type::record('{}', $k)) WHERE id != NONE",
        g.table(TABLE)
    );
    let mut statements: BTreeMap<(String, i32), Statement> = BTreeMap::new();
    for row in db::rows(scope.db, sql, json!({ "keys": keys })).await? {
        let statement: Statement = serde_json::from_value(row)?;
        statements.insert((statement.handle.clone(), statement.year), statement);
    }
    let mut lines = vec![];
    for (handle, year, movement) in moved {
        let statement = statements
            .entry((handle.clone(), year))
            .or_insert_with(|| blank(&handle, year));
        add(statement, &movement);
        let mut line = serde_json::to_value(&movement)?;
        line["id"] = json!([handle, year, movement.position]);
        lines.push(line);
    }
    let rows = statements
        .values()
        .map(|s| {
            let mut row = serde_json::to_value(s).expect("statements serialize");
            row["id"] = json!([s.handle, s.year]);
            if let Some(row) = row.as_object_mut() {
                row.remove("movements");
                row.remove("stale");
            }
            row
        })
        .collect();
    out.writes.upsert_rows(&g.table(TABLE), rows, FIELDS);
    out.writes.insert_rows(&g.table(LINES), lines);
    Ok(())
}

/// A person's statement for a year, with its movements (`None` when the year had none).
pub async fn statement(
    db: &Db,
    g: Generation,
    handle: &str,
    year: i32,
) -> anyhow::Result<Option<Statement>> {
    let (owner, lines) = (quote(handle), g.table(LINES));
    let sql = format!(
        "SELECT * OMIT id FROM type::record('{}', [{owner}, {year}]);
         SELECT * OMIT id FROM {lines}:[{owner}, {year}, NONE]..[{owner}, {year}, {}];",
        g.table(TABLE),
        i64::MAX
    );
    let mut answer = db::run(db, sql, Value::Null).await?;
    let summary: Vec<Value> = answer.take(0)?;
    let movements: Vec<Value> = answer.take(1)?;
    let Some(summary) = summary.into_iter().next() else {
        return Ok(None);
    };
    let mut statement: Statement = serde_json::from_value(summary)?;
    statement.movements = movements
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()?;
    Ok(Some(statement))
}

/// The same statement computed from the log on each request: the account's whole stream read and
/// folded. What the precomputed read model saves (measured by `agora bench wallet`).
pub async fn from_log(store: &Store, handle: &str, year: i32) -> anyhow::Result<Option<Statement>> {
    let mut statement = blank(handle, year);
    for envelope in store.read_stream(&account::stream(handle), 0).await? {
        let Some(event) = decode::<Event>(&envelope)? else {
            continue;
        };
        if let Some((_, movement)) = movements::movement(&event, &envelope) {
            if year_of(&movement.at) == Some(year) {
                add(&mut statement, &movement);
                statement.movements.push(movement);
            }
        }
    }
    Ok((statement.position > 0).then_some(statement))
}
