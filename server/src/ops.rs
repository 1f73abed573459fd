//! Operations of the `agora` binary beside serving: export, import, admin grant.

use crate::registry::Registry;
use crate::store::{check_import, check_import_ids, Store};
use std::io::Write;

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
    check_import_ids(store, ndjson, &events).await?;
    store.import(&events).await?;
    Ok(events.len())
}

/// Makes a registered user an admin, recorded as an event.
pub async fn grant_admin(store: &Store, handle: &str) -> anyhow::Result<u64> {
    let registry = crate::contexts::registry();
    let bus = registry.command_bus(store.clone());
    let people = registry
        .people_directory()
        .ok_or_else(|| anyhow::anyhow!("no context says who people are"))?;
    Ok(people.grant_admin(&bus, handle, "cli").await?)
}

/// The owner's copy-and-replace migration (`agora rewrite-log`): the password hashes still in old
/// events are copied into the credentials table first, then the log is copied with every event at
/// its current schema and checked, then the credentials follow.
pub async fn rewrite_log(
    from_url: &str,
    into_url: &str,
    out: &mut impl Write,
) -> anyhow::Result<crate::store::Rewritten> {
    let from_db = crate::db::connect(from_url).await?;
    let into_db = crate::db::connect(into_url).await?;
    rewrite_log_on(from_db, into_db, out).await
}

/// The same on open database handles.
pub async fn rewrite_log_on(
    from_db: crate::db::Db,
    into_db: crate::db::Db,
    out: &mut impl Write,
) -> anyhow::Result<crate::store::Rewritten> {
    let registry = crate::contexts::registry();
    let from = open_on(from_db.clone(), &registry).await?;
    let credentials = crate::credentials::Credentials::open(from_db.clone()).await?;
    if let Some(people) = registry.people_directory() {
        let bus = registry.command_bus(from.clone());
        people.prepare(&bus, &credentials).await?;
    }
    let into = open_on(into_db.clone(), &registry).await?;
    let report = from
        .rewrite_into(&into, |done, total| {
            let bar = progress_bar(&app::wire::RebuildProgress {
                done,
                total,
                ..Default::default()
            });
            let _ = write!(out, "\r{bar}");
            let _ = out.flush();
        })
        .await?;
    writeln!(out)?;
    let copy = crate::credentials::Credentials::open(into_db.clone()).await?;
    copy.restore(&credentials.dump().await?).await?;
    crate::policies::copy_checkpoints(&from_db, &into_db).await?;
    Ok(report)
}

/// `agora seed`: demo data, then every read model built up to the head.
pub async fn seed(
    db_url: &str,
    size: crate::social::seed::Size,
    out: &mut impl Write,
) -> anyhow::Result<crate::social::seed::Seeded> {
    let registry = crate::contexts::registry();
    let db = crate::db::connect(db_url).await?;
    let store = open_on(db.clone(), &registry).await?;
    let credentials = crate::credentials::Credentials::open(db).await?;
    let bus = registry.command_bus(store.clone());
    let seeded = crate::social::seed::seed(&bus, &credentials, size, out).await?;
    let hub = crate::live::Hub::without_sockets(store.head());
    let projectors = crate::projections::runtime_projectors(&registry);
    let projections = crate::projections::Projections::start(&store, hub, projectors).await?;
    // The policies catch up beside the read models, so a server started later has little to replay.
    let _policies = crate::policies::Policies::start(bus, registry.policies()).await?;
    let head = store.head();
    while projections.min_position() < head {
        let bar = progress_bar(&app::wire::RebuildProgress {
            done: projections.min_position(),
            total: head,
            ..Default::default()
        });
        write!(out, "\rread models {bar}")?;
        out.flush()?;
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    writeln!(out)?;
    projections.stop().await;
    Ok(seeded)
}

/// Opens the store at a database URL (for the one-shot commands), with every context's upcasters.
pub async fn open(db_url: &str) -> anyhow::Result<Store> {
    open_on(
        crate::db::connect(db_url).await?,
        &crate::contexts::registry(),
    )
    .await
}

pub async fn open_on(db: crate::db::Db, registry: &Registry) -> anyhow::Result<Store> {
    Ok(Store::open(db, registry.upcasters(), registry.personal_data()).await?)
}

/// Rebuilds one projector and draws its progress on `out` until it has taken over.
pub async fn rebuild(store: &Store, name: &str, out: &mut impl Write) -> anyhow::Result<()> {
    let hub = crate::live::Hub::without_sockets(store.head());
    let projectors = crate::projections::runtime_projectors(&crate::contexts::registry());
    let projections = crate::projections::Projections::start(store, hub, projectors).await?;
    projections.rebuild(name)?;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let row = projections
            .statuses(store.head())
            .into_iter()
            .find(|row| row.name == name);
        let Some(progress) = row.and_then(|row| row.rebuild) else {
            continue;
        };
        write!(out, "\r{}", progress_bar(&progress))?;
        out.flush()?;
        if progress.finished {
            writeln!(out)?;
            return Ok(());
        }
    }
}

fn progress_bar(progress: &app::wire::RebuildProgress) -> String {
    const WIDTH: usize = 40;
    let fraction = if progress.total == 0 {
        1.0
    } else {
        progress.done as f64 / progress.total as f64
    };
    let filled = ((fraction * WIDTH as f64) as usize).min(WIDTH);
    format!(
        "[{}{}] {:>5.1}%  {}/{} events  {:.0} events/s  ETA {:.0} s ",
        "=".repeat(filled),
        " ".repeat(WIDTH - filled),
        fraction * 100.0,
        progress.done,
        progress.total,
        progress.events_per_s,
        progress.eta_s
    )
}
