//! The newest events as readers see them (opened and lifted), shared by every reader of the log.
//!
//! Each projector, policy and feed follows the log with a subscription of its own; near the head
//! they all read the same few positions, one after the other. Without this window each of them
//! read those rows again, opened their sealed fields again and lifted them again: about ten times
//! the work for every event appended. The first reader of a range keeps it here, the others copy
//! it. Events never change in the log, so a copy is what a read would answer, with one exception:
//! an erasure, after which the erased person's words no longer open. The window therefore records
//! the vault's erasure count it was filled under and empties when that count moves.

use app::wire::Envelope;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Events kept: a few batches of every reader, small beside the read models' own memory.
pub(super) const CAPACITY: usize = 4_096;

#[derive(Default)]
pub(super) struct Recent {
    window: Mutex<Window>,
}

#[derive(Default)]
struct Window {
    /// Consecutive events, by position.
    events: VecDeque<Envelope>,
    /// The vault's erasure count when these were opened.
    erasures: u64,
}

impl Window {
    fn first(&self) -> Option<u64> {
        self.events.front().map(|event| event.position)
    }

    fn last(&self) -> Option<u64> {
        self.events.back().map(|event| event.position)
    }
}

impl Recent {
    /// The events `after + 1 ..= last` if the window holds all of them, opened under `erasures`.
    pub(super) fn get(&self, after: u64, last: u64, erasures: u64) -> Option<Vec<Envelope>> {
        let mut window = self.lock();
        if erasures > window.erasures {
            window.events.clear();
            window.erasures = erasures;
        }
        if erasures != window.erasures {
            return None;
        }
        let (first, held) = (window.first()?, window.last()?);
        if after + 1 < first || last > held || last <= after {
            return None;
        }
        let from = (after + 1 - first) as usize;
        let to = (last - first) as usize;
        Some(window.events.range(from..=to).cloned().collect())
    }

    /// Keeps events just read, if they were opened under the current erasure count and go on from
    /// the window's end (or start a newer window); older ranges, read by a catch-up, are not kept.
    pub(super) fn keep(&self, events: &[Envelope], erasures: u64) {
        let Some(first) = events.first().map(|event| event.position) else {
            return;
        };
        // The window finds events by their distance from its first: it only ever holds a run.
        let consecutive = events
            .windows(2)
            .all(|pair| pair[1].position == pair[0].position + 1);
        if !consecutive {
            return;
        }
        let mut window = self.lock();
        if window.erasures != erasures {
            return;
        }
        match window.last() {
            Some(held) if first <= held => {
                // Partly held already: keep only what goes past the end.
                let new = events.iter().filter(|event| event.position > held);
                window.events.extend(new.cloned());
            }
            Some(held) if first == held + 1 => window.events.extend(events.iter().cloned()),
            _ => {
                window.events.clear();
                window.events.extend(events.iter().cloned());
            }
        }
        while window.events.len() > CAPACITY {
            window.events.pop_front();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(positions: std::ops::RangeInclusive<u64>) -> Vec<Envelope> {
        positions
            .map(|position| Envelope {
                position,
                ..Envelope::default()
            })
            .collect()
    }

    fn positions(events: Option<Vec<Envelope>>) -> Option<Vec<u64>> {
        events.map(|events| events.iter().map(|event| event.position).collect())
    }

    #[test]
    fn a_range_inside_the_window_is_copied_and_one_outside_is_read() {
        let recent = Recent::default();
        recent.keep(&events(1..=10), 0);
        assert_eq!(positions(recent.get(3, 6, 0)), Some(vec![4, 5, 6]));
        assert_eq!(positions(recent.get(0, 10, 0)), Some((1..=10).collect()));
        assert_eq!(recent.get(5, 11, 0), None, "11 is not held");
        recent.keep(&events(8..=12), 0);
        assert_eq!(positions(recent.get(9, 12, 0)), Some(vec![10, 11, 12]));
    }

    #[test]
    fn an_older_range_leaves_the_window_alone_and_a_newer_one_replaces_it() {
        let recent = Recent::default();
        recent.keep(&events(100..=110), 0);
        recent.keep(&events(1..=5), 0);
        assert_eq!(recent.get(0, 5, 0), None);
        assert_eq!(positions(recent.get(99, 100, 0)), Some(vec![100]));
        recent.keep(&events(200..=201), 0);
        assert_eq!(recent.get(99, 100, 0), None);
        assert_eq!(positions(recent.get(199, 201, 0)), Some(vec![200, 201]));
    }

    #[test]
    fn an_erasure_empties_the_window_and_refuses_what_was_opened_before_it() {
        let recent = Recent::default();
        recent.keep(&events(1..=10), 0);
        assert_eq!(recent.get(0, 5, 1), None, "emptied");
        // Read before the erasure, kept after it: refused, and so is a reader still at the old count.
        recent.keep(&events(1..=10), 0);
        assert_eq!(recent.get(0, 5, 1), None);
        assert_eq!(recent.get(0, 5, 0), None);
        recent.keep(&events(1..=10), 1);
        assert_eq!(positions(recent.get(0, 2, 1)), Some(vec![1, 2]));
    }

    #[test]
    fn a_read_with_a_gap_is_not_kept() {
        let recent = Recent::default();
        let mut read = events(1..=3);
        read.extend(events(5..=6));
        recent.keep(&read, 0);
        assert_eq!(recent.get(0, 3, 0), None);
    }

    #[test]
    fn the_window_holds_at_most_its_capacity() {
        let recent = Recent::default();
        recent.keep(&events(1..=(CAPACITY as u64 + 100)), 0);
        assert_eq!(recent.get(0, 100, 0), None);
        let last = CAPACITY as u64 + 100;
        assert_eq!(positions(recent.get(last - 1, last, 0)), Some(vec![last]));
    }
}
