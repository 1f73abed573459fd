//! Process-wide counters for `/metrics`, kept where things happen (the command bus, the store's
//! appends, the sockets) and read by the Prometheus endpoint. One registry per process, as
//! Prometheus clients have it.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// Upper bounds of the append latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
pub struct Metrics {
    commands: Mutex<BTreeMap<(&'static str, String), u64>>,
    append_buckets: [AtomicU64; BUCKETS.len()],
    append_count: AtomicU64,
    append_micros: AtomicU64,
    events_appended: AtomicU64,
    sockets: AtomicI64,
    pushed: AtomicU64,
    /// Subscriptions with `after`, by what answered them: the hub's ring, the journal, or resync.
    resumes: [AtomicU64; 3],
}

/// What answered a resuming subscription.
#[derive(Debug, Clone, Copy)]
pub enum Resumed {
    FromRing = 0,
    FromJournal = 1,
    Resync = 2,
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

impl Metrics {
    pub fn command(&self, command_type: &'static str, outcome: &str) {
        let mut commands = self.commands.lock().unwrap_or_else(|p| p.into_inner());
        *commands
            .entry((command_type, outcome.to_owned()))
            .or_default() += 1;
    }

    pub fn appended(&self, took: Duration, events: usize) {
        let seconds = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.append_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.append_count.fetch_add(1, Ordering::Relaxed);
        self.append_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        self.events_appended
            .fetch_add(events as u64, Ordering::Relaxed);
    }

    pub fn socket_opened(&self) {
        self.sockets.fetch_add(1, Ordering::Relaxed);
    }

    pub fn socket_closed(&self) {
        self.sockets.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn pushed_many(&self, frames: usize) {
        self.pushed.fetch_add(frames as u64, Ordering::Relaxed);
    }

    pub fn resumed(&self, how: Resumed) {
        self.resumes[how as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The counters in Prometheus' text format.
    pub fn render(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP agora_commands_total Commands handled, by type and outcome.\n# TYPE agora_commands_total counter");
        for ((command_type, outcome), count) in self
            .commands
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "agora_commands_total{{type=\"{command_type}\",outcome=\"{outcome}\"}} {count}"
            );
        }
        let _ = writeln!(out, "# HELP agora_append_seconds Time from asking the store to append to the durable answer.\n# TYPE agora_append_seconds histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.append_buckets) {
            let _ = writeln!(
                out,
                "agora_append_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.append_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "agora_append_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "agora_append_seconds_sum {}",
            self.append_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "agora_append_seconds_count {count}");
        let counters = [
            (
                "agora_events_appended_total",
                "Events appended by this node.",
                "counter",
                self.events_appended.load(Ordering::Relaxed) as i64,
            ),
            (
                "agora_sockets",
                "Open WebSockets.",
                "gauge",
                self.sockets.load(Ordering::Relaxed),
            ),
            (
                "agora_pushed_messages_total",
                "Frames pushed to sockets.",
                "counter",
                self.pushed.load(Ordering::Relaxed) as i64,
            ),
        ];
        for (name, help, kind, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        let _ = writeln!(out, "# HELP agora_live_resumes_total Subscriptions with `after`, by what answered them.\n# TYPE agora_live_resumes_total counter");
        for (from, counter) in ["ring", "journal", "resync"].iter().zip(&self.resumes) {
            let _ = writeln!(
                out,
                "agora_live_resumes_total{{from=\"{from}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
    }
}
