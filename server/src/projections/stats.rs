//! What the admin sees of a worker that follows the log (a projector or a policy): its errors, its
//! parked events and its rate over the last seconds.

use app::wire::{ProjectionRow, RebuildProgress};
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The window over which events per second are measured.
const RATE_WINDOW: Duration = Duration::from_secs(10);

#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) errors: u64,
    pub(crate) last_error: Option<String>,
    pub(crate) parked: u64,
    /// (when, position) after each commit, over the last `RATE_WINDOW`.
    samples: VecDeque<(Instant, u64)>,
}

impl Stats {
    pub(crate) fn with_parked(parked: u64) -> Mutex<Stats> {
        Mutex::new(Stats {
            parked,
            ..Stats::default()
        })
    }

    pub(crate) fn failed(&mut self, error: String) {
        self.errors += 1;
        self.last_error = Some(error);
    }

    pub(crate) fn advanced(&mut self, position: u64) {
        let now = Instant::now();
        self.samples.push_back((now, position));
        while self
            .samples
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > RATE_WINDOW)
        {
            self.samples.pop_front();
        }
    }

    fn events_per_s(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some((first_at, first)), Some((last_at, last))) if last_at > first_at => {
                (last - first) as f64 / last_at.duration_since(*first_at).as_secs_f64()
            }
            _ => 0.0,
        }
    }

    /// The admin's row of a worker at `position`, measured against the store's `head`.
    pub(crate) fn row(
        &self,
        name: &str,
        position: u64,
        head: u64,
        rebuild: Option<RebuildProgress>,
    ) -> ProjectionRow {
        let lag = head.saturating_sub(position);
        ProjectionRow {
            name: name.to_owned(),
            position,
            head,
            lag,
            events_per_s: self.events_per_s(),
            errors: self.errors,
            last_error: self.last_error.clone(),
            parked: self.parked,
            status: match (&rebuild, lag) {
                (Some(progress), _) if !progress.finished => "rebuilding",
                (_, 0) => "live",
                _ => "catching_up",
            }
            .to_owned(),
            rebuild,
        }
    }
}

/// Locks a worker's stats; a panic elsewhere never hides them.
pub(crate) fn lock(stats: &Mutex<Stats>) -> MutexGuard<'_, Stats> {
    stats
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
