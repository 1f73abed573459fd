//! The scans behind a page: the page being filled, and the event index's keys (or the log) read
//! in the page's order until it is full or the scan's cap is reached.

use super::{Direction, EventFilter, Queried, CHUNK, FIRST_WINDOW, MAX_SCANNED};
use crate::db::{self, Db};
use crate::projections::Generation;
use crate::store::index::{self, By, TimeKey};
use crate::store::read::{all, envelopes, FIELDS};
use crate::store::StoreError;
use app::wire::Envelope;
use serde_json::json;

/// The page's bounds: positions strictly between `after` and `before`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub(super) after: u64,
    pub(super) before: u64,
    pub(super) direction: Direction,
    pub(super) limit: usize,
}

impl Bounds {
    pub(super) fn holds(&self, position: u64) -> bool {
        position > self.after && position < self.before
    }

    /// The same, for positions up to `last` only.
    pub(super) fn up_to(self, last: u64) -> Bounds {
        Bounds {
            before: self.before.min(last.saturating_add(1)),
            ..self
        }
    }

    /// Whether any position is left between the bounds.
    pub(super) fn open(&self) -> bool {
        self.before > self.after.saturating_add(1)
    }
}

/// The page being filled: the matches in the page's order, up to its limit.
pub(super) struct Found<'a> {
    pub(super) filter: &'a EventFilter,
    pub(super) bounds: Bounds,
    pub(super) events: Vec<Envelope>,
    pub(super) scanned: usize,
    pub(super) resume: Option<u64>,
}

impl Found<'_> {
    pub(super) fn full(&self) -> bool {
        self.events.len() >= self.bounds.limit
    }

    pub(super) fn spent(&self) -> bool {
        self.scanned >= MAX_SCANNED
    }

    /// Takes the matches among `events` (in the page's order) until the page is full.
    pub(super) fn take(&mut self, events: Vec<Envelope>) {
        for event in events {
            if self.full() {
                return;
            }
            if self.bounds.holds(event.position) && self.filter.matches(&event) {
                self.events.push(event);
            }
        }
    }

    /// Reads the events at `positions` (in the page's order) a slice at a time, as many as the page
    /// still needs, and takes their matches.
    pub(super) async fn take_at(&mut self, db: &Db, positions: &[u64]) -> Result<(), StoreError> {
        let mut rest = positions;
        while !rest.is_empty() && !self.full() {
            let wanted = (self.bounds.limit - self.events.len()).clamp(16, CHUNK);
            let (slice, later) = rest.split_at(wanted.min(rest.len()));
            self.take(events_at(db, slice).await?);
            rest = later;
        }
        Ok(())
    }

    pub(super) fn answer(self, position: u64, stale: bool) -> Queried {
        Queried {
            events: self.events,
            position,
            stale,
            resume: self.resume,
        }
    }
}

/// The events at these positions (ascending or descending), in that order.
pub(super) async fn events_at(db: &Db, positions: &[u64]) -> Result<Vec<Envelope>, StoreError> {
    if positions.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT {FIELDS} FROM array::map($positions, |$p| type::record('event', $p)) WHERE id != NONE"
    );
    let mut events = envelopes(db::rows(db, sql, json!({ "positions": positions })).await?)?;
    events.sort_by_key(|e| e.position);
    if positions.first() > positions.last() {
        events.reverse();
    }
    Ok(events)
}

/// The events under one key. Oldest first: `LIMIT`ed key ranges. Newest first: windows of positions
/// read downwards (a record range is only scanned forward), widened while they hold few keys and
/// narrowed when they hold more than a chunk.
pub(super) async fn by_key(
    db: &Db,
    g: Generation,
    by: By,
    key: &str,
    range: Bounds,
    found: &mut Found<'_>,
) -> Result<(), StoreError> {
    match range.direction {
        Direction::Forward => {
            let mut after = range.after;
            while !found.full() && (Bounds { after, ..range }).open() {
                if found.spent() {
                    found.resume = Some(after);
                    return Ok(());
                }
                let window = (after + 1, range.before - 1);
                let positions = index::positions(db, g, by, key, window, CHUNK).await?;
                found.scanned += positions.len();
                found.take_at(db, &positions).await?;
                match positions.last() {
                    Some(&last) if positions.len() == CHUNK => after = last,
                    _ => return Ok(()),
                }
            }
        }
        Direction::Backward => {
            let (mut before, mut width) = (range.before, FIRST_WINDOW);
            while !found.full() && (Bounds { before, ..range }).open() {
                if found.spent() {
                    found.resume = Some(before);
                    return Ok(());
                }
                let first = before.saturating_sub(width).max(range.after + 1);
                let window = (first, before - 1);
                let mut positions = index::positions(db, g, by, key, window, CHUNK + 1).await?;
                found.scanned += positions.len();
                if positions.len() > CHUNK {
                    // Only the window's oldest keys came: try a narrower one from the same top.
                    width = (width / 4).max(1);
                    continue;
                }
                positions.reverse();
                found.take_at(db, &positions).await?;
                before = first;
                if positions.len() < CHUNK / 4 {
                    width = width.saturating_mul(4);
                }
            }
        }
    }
    Ok(())
}

/// Events in a time window. Times follow positions only up to the nodes' clocks, so the window's
/// keys are collected (up to the scan's cap) and their positions sorted. A window with more keys
/// than that is read from the log instead, by position: exact, a capped scan at a time.
pub(super) async fn by_time(
    db: &Db,
    g: Generation,
    window: (Option<&str>, Option<&str>),
    range: Bounds,
    found: &mut Found<'_>,
) -> Result<(), StoreError> {
    let mut positions = vec![];
    let mut cursor: Option<TimeKey> = None;
    loop {
        let keys = index::times(db, g, window, cursor.as_ref(), CHUNK).await?;
        found.scanned += keys.len();
        positions.extend(keys.iter().map(|(_, p)| *p).filter(|p| range.holds(*p)));
        if keys.len() < CHUNK {
            break;
        }
        if found.spent() {
            found.scanned = 0;
            return by_log(db, range, found).await;
        }
        cursor = keys.into_iter().last();
    }
    positions.sort_unstable();
    if range.direction == Direction::Backward {
        positions.reverse();
    }
    found.take_at(db, &positions).await
}

/// The log itself in the page's order, every filter matched in memory, up to the scan's cap.
async fn by_log(db: &Db, range: Bounds, found: &mut Found<'_>) -> Result<(), StoreError> {
    let (mut after, mut before) = (range.after, range.before);
    while !found.full()
        && (Bounds {
            after,
            before,
            ..range
        })
        .open()
    {
        if found.spent() {
            found.resume = Some(match range.direction {
                Direction::Forward => after,
                Direction::Backward => before,
            });
            return Ok(());
        }
        let mut events = match range.direction {
            Direction::Forward => {
                let last = (before - 1).min(after + CHUNK as u64);
                let events = all(db, after, CHUNK, last).await?;
                after = last;
                events
            }
            Direction::Backward => {
                let first = before.saturating_sub(CHUNK as u64).max(after + 1);
                let events = all(db, first - 1, (before - first) as usize, before - 1).await?;
                before = first;
                events
            }
        };
        found.scanned += events.len();
        if range.direction == Direction::Backward {
            events.reverse();
        }
        found.take(events);
    }
    Ok(())
}
