//! Operations of the `agora` binary beside serving: export, import, admin grant.

use crate::commands::{Command, CommandBus, Origin};
use crate::domain::Actor;
use crate::store::{check_import, Store};
use std::io::Write;
use uuid::Uuid;

const PAGE: usize = 1000;

/// Writes every event after `after` as NDJSON, in position order.
pub async fn export(store: &Store, after: u64, out: &mut impl Write) -> anyhow::Result<u64> {
    let mut position = after;
    loop {
        let events = store.read_all(position, PAGE).await?;
        let Some(last) = events.last() else {
            return Ok(position - after);
        };
        position = last.position;
        for event in &events {
            serde_json::to_writer(&mut *out, event)?;
            out.write_all(b"\n")?;
        }
    }
}

/// Checks a whole NDJSON log against the store, then appends it; a broken file writes nothing.
pub async fn import(store: &Store, ndjson: &str) -> anyhow::Result<usize> {
    let events = check_import(ndjson, store.head(), &store.stream_versions().await?)?;
    store.import(&events).await?;
    Ok(events.len())
}

/// Makes a registered user an admin, recorded as an event.
pub async fn grant_admin(bus: &CommandBus, handle: &str) -> anyhow::Result<u64> {
    let origin = Origin::new(Uuid::now_v7(), Actor::system("cli"));
    let answer = bus
        .submit(
            origin,
            Command::GrantAdmin {
                handle: handle.to_owned(),
            },
            None,
        )
        .await?;
    Ok(answer.position)
}

/// Opens the store at a database URL (for the one-shot commands).
pub async fn open(db_url: &str) -> anyhow::Result<Store> {
    Ok(Store::open(crate::db::connect(db_url).await?).await?)
}
