//! The admin's filters over the whole log, in keyset pages by position.
//!
//! One filter drives the page, the first of: event id, command, correlation, causation, stream,
//! actor, type, time. Command and stream are the event table's own indexes, complete up to the head;
//! the others are the event index (`index.rs`), a projector of the log, complete up to the position
//! it reached. The events above that position are read from the log itself and matched in memory,
//! so an answer is complete whenever that tail is short ([`MAX_TAIL`]); a longer one is not read
//! and the answer says it is stale. Every other filter is matched in memory on the events read.
//! A page looks at most [`MAX_SCANNED`] keys or events; if it stops there short of its limit, it
//! answers what matched and where to go on from.

mod scan;

use super::index::{self, By, IndexState};
use super::read::{all, envelopes, FIELDS};
use super::StoreError;
use crate::db::{self, Db};
use app::wire::Envelope;
use scan::{by_key, by_time, events_at, Bounds, Found};
use serde_json::json;
use uuid::Uuid;

/// The keys of an index (or events of the log) one page looks at before it answers what matched.
pub const MAX_SCANNED: usize = 20_000;
/// The longest tail above the event index's position a page reads from the log itself.
pub const MAX_TAIL: u64 = 5_000;
/// Keys or events per round trip.
const CHUNK: usize = 500;
/// The first window of positions a newest-first scan of one key reads.
const FIRST_WINDOW: u64 = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Oldest first, from `after`.
    Forward,
    /// Newest first, from `before` (or the head).
    #[default]
    Backward,
}

/// The admin's filters over the whole log. Every field narrows; keyset paging by position.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub after: Option<u64>,
    pub before: Option<u64>,
    pub limit: usize,
    pub stream: Option<String>,
    pub event_type: Option<String>,
    pub actor: Option<String>,
    pub correlation: Option<Uuid>,
    pub causation: Option<Uuid>,
    pub command: Option<Uuid>,
    pub event_id: Option<Uuid>,
    /// RFC 3339 times, compared as stored (UTC, fixed width).
    pub from: Option<String>,
    pub to: Option<String>,
}

impl EventFilter {
    pub fn direction(&self) -> Direction {
        if self.after.is_some() && self.before.is_none() {
            Direction::Forward
        } else {
            Direction::Backward
        }
    }

    fn narrows(&self) -> bool {
        self.stream.is_some()
            || self.event_type.is_some()
            || self.actor.is_some()
            || self.correlation.is_some()
            || self.causation.is_some()
            || self.command.is_some()
            || self.event_id.is_some()
            || self.from.is_some()
            || self.to.is_some()
    }

    /// Whether an event passes every filter (not the page's bounds).
    fn matches(&self, e: &Envelope) -> bool {
        let meta = &e.metadata;
        self.stream.as_ref().is_none_or(|s| *s == e.stream)
            && self.event_type.as_ref().is_none_or(|t| *t == e.event_type)
            && self
                .actor
                .as_ref()
                .is_none_or(|a| meta.actor.as_ref() == Some(a))
            && self
                .correlation
                .is_none_or(|c| meta.correlation_id == Some(c))
            && self.causation.is_none_or(|c| meta.causation_id == Some(c))
            && self.command.is_none_or(|c| meta.command_id == Some(c))
            && self.event_id.is_none_or(|id| e.event_id == id)
            && self.from.as_ref().is_none_or(|from| meta.at >= *from)
            && self.to.as_ref().is_none_or(|to| meta.at <= *to)
    }
}

/// A page of the filters' answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queried {
    /// In the page's order.
    pub events: Vec<Envelope>,
    /// The answer holds every match up to this position: the head, or the event index's position
    /// when the log above it was too long to read.
    pub position: u64,
    /// Matches above `position` may be missing (the event index is behind, see [`MAX_TAIL`]).
    pub stale: bool,
    /// Set when the page stopped at [`MAX_SCANNED`] short of its limit: the position to go on from
    /// (`before` for a newest-first page, `after` for an oldest-first one).
    pub resume: Option<u64>,
}

/// The filter that drives a page: what is scanned, every other filter being matched in memory.
enum Driver<'a> {
    Command(Uuid),
    Stream(&'a str),
    Indexed(Indexed<'a>),
}

enum Indexed<'a> {
    EventId(Uuid),
    Key(By, String),
    Time(Option<&'a str>, Option<&'a str>),
}

impl<'a> Driver<'a> {
    fn of(f: &'a EventFilter) -> Driver<'a> {
        let key = |by: By, key: String| Driver::Indexed(Indexed::Key(by, key));
        if let Some(id) = f.event_id {
            Driver::Indexed(Indexed::EventId(id))
        } else if let Some(id) = f.command {
            Driver::Command(id)
        } else if let Some(id) = f.correlation {
            key(By::Correlation, id.to_string())
        } else if let Some(id) = f.causation {
            key(By::Causation, id.to_string())
        } else if let Some(stream) = &f.stream {
            Driver::Stream(stream.as_str())
        } else if let Some(actor) = &f.actor {
            key(By::Actor, actor.clone())
        } else if let Some(event_type) = &f.event_type {
            key(By::Type, event_type.clone())
        } else {
            Driver::Indexed(Indexed::Time(f.from.as_deref(), f.to.as_deref()))
        }
    }
}

/// A page of the events that match `filter`, as stored, reading the event index as `index` says.
pub async fn filtered(
    db: &Db,
    filter: &EventFilter,
    index: IndexState,
    head: u64,
) -> Result<Queried, StoreError> {
    let bounds = Bounds {
        after: filter.after.unwrap_or(0),
        before: filter
            .before
            .unwrap_or(u64::MAX)
            .min(head.saturating_add(1)),
        direction: filter.direction(),
        limit: filter.limit.clamp(1, 1000),
    };
    let mut found = Found {
        filter,
        bounds,
        events: vec![],
        scanned: 0,
        resume: None,
    };
    if !filter.narrows() {
        found.events = contiguous(db, bounds, head).await?;
        return Ok(found.answer(head, false));
    }
    match Driver::of(filter) {
        Driver::Command(command) => by_command(db, command, &mut found).await?,
        Driver::Stream(stream) => by_stream(db, stream, &mut found).await?,
        Driver::Indexed(driver) => return by_index(db, driver, index, head, found).await,
    }
    Ok(found.answer(head, false))
}

/// No filter: the page is a contiguous range of positions.
async fn contiguous(db: &Db, b: Bounds, head: u64) -> Result<Vec<Envelope>, StoreError> {
    let last = b.before.saturating_sub(1);
    let start = match b.direction {
        Direction::Forward => b.after,
        Direction::Backward => last.saturating_sub(b.limit as u64).max(b.after),
    };
    let count = last.saturating_sub(start).min(b.limit as u64) as usize;
    let mut events = all(db, start, count, head).await?;
    if b.direction == Direction::Backward {
        events.reverse();
    }
    Ok(events)
}

/// A command's events, by the event table's `(command_id, command_seq)` index: a handful.
async fn by_command(db: &Db, command: Uuid, found: &mut Found<'_>) -> Result<(), StoreError> {
    let sql = format!("SELECT {FIELDS} FROM event WHERE command_id = $command ORDER BY position");
    let rows = db::rows(db, sql, json!({ "command": command.to_string() })).await?;
    let mut events = envelopes(rows)?;
    if found.bounds.direction == Direction::Backward {
        events.reverse();
    }
    found.take(events);
    Ok(())
}

/// A stream's events, by the event table's `(stream, version)` index: within a stream versions
/// follow positions, so version order is the page's order; read in chunks keyed by version.
async fn by_stream(db: &Db, stream: &str, found: &mut Found<'_>) -> Result<(), StoreError> {
    let b = found.bounds;
    let (op, order, mut version) = match b.direction {
        Direction::Forward => (">", "ASC", 0),
        Direction::Backward => ("<", "DESC", i64::MAX as u64),
    };
    let sql = format!(
        "SELECT {FIELDS} FROM event WHERE stream = $stream AND version {op} $version
         AND position > $after AND position < $before ORDER BY version {order} LIMIT {CHUNK}"
    );
    while !found.full() {
        let vars =
            json!({ "stream": stream, "version": version, "after": b.after, "before": b.before });
        let events = envelopes(db::rows(db, sql.clone(), vars).await?)?;
        found.scanned += events.len();
        let Some(last) = events.last() else {
            return Ok(());
        };
        let (exhausted, last_position) = (events.len() < CHUNK, last.position);
        version = last.version;
        found.take(events);
        if exhausted {
            return Ok(());
        }
        if found.spent() && !found.full() {
            found.resume = Some(last_position);
            return Ok(());
        }
    }
    Ok(())
}

/// A filter the event index answers: the log's tail above the index's position first (newest
/// first) or last (oldest first), the index below it.
async fn by_index(
    db: &Db,
    driver: Indexed<'_>,
    index: IndexState,
    head: u64,
    mut found: Found<'_>,
) -> Result<Queried, StoreError> {
    let b = found.bounds;
    let indexed = index.position.min(head);
    // The part of the tail inside the page's bounds.
    let (tail_from, tail_to) = (indexed.max(b.after), head.min(b.before.saturating_sub(1)));
    let wanted = tail_to.saturating_sub(tail_from);
    let tail_read = wanted <= MAX_TAIL;
    let mut tail = match (wanted, tail_read) {
        (0, _) | (_, false) => vec![],
        _ => all(db, tail_from, wanted as usize, tail_to).await?,
    };
    if b.direction == Direction::Backward {
        tail.reverse();
        found.take(std::mem::take(&mut tail));
    }
    let range = b.up_to(indexed);
    if !found.full() && range.open() {
        let g = index.generation;
        match driver {
            Indexed::EventId(id) => match index::position_of(db, g, id).await? {
                Some(position) if range.holds(position) => {
                    found.take(events_at(db, &[position]).await?)
                }
                _ => {}
            },
            Indexed::Key(by, key) => by_key(db, g, by, &key, range, &mut found).await?,
            Indexed::Time(from, to) => by_time(db, g, (from, to), range, &mut found).await?,
        }
    }
    if found.resume.is_none() {
        found.take(tail);
    }
    Ok(if tail_read {
        found.answer(head, false)
    } else {
        found.answer(indexed, true)
    })
}
