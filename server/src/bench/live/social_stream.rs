//! What a socket of `bench social-live` received, and its own check of that stream: each change
//! once, and in position order (the several changes of one event share a position).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::Instant;

/// One change as a socket received it.
pub(super) struct Received {
    pub(super) home: bool,
    pub(super) position: u64,
    /// The post's id, for a home upsert (what the check afterwards looks for).
    pub(super) post: Option<String>,
    pub(super) at: Instant,
}

/// What one socket received, and what it found wrong in its own stream.
#[derive(Default)]
pub(super) struct Stream {
    pub(super) received: Vec<Received>,
    pub(super) duplicates: u64,
    pub(super) out_of_order: u64,
    pub(super) resyncs: u64,
    /// The position at which home was last told to refetch (0: never): a browser then reads the
    /// page again, so what it held up to there is the page's, not the stream's, to show.
    pub(super) home_refetched_at: u64,
}

/// A socket's own check of its stream, per topic: the last position seen whole, and the changes
/// at the position being received (one event may change a topic several times).
#[derive(Default)]
pub(super) struct Order {
    last: HashMap<bool, u64>,
    at_last: HashMap<bool, HashSet<u64>>,
    /// Where home's latest `subscribed` frame said it joined (a `resync` follows one).
    home_joined_at: u64,
}

impl Order {
    pub(super) fn receive(&mut self, text: &str, at: Instant, stream: &mut Stream) {
        let home = text.contains("\"topic\":\"home\"");
        if text.starts_with("{\"op\":\"subscribed\"") && home {
            self.home_joined_at = field_u64(text, "\"position\":").unwrap_or_default();
            return;
        }
        if text.starts_with("{\"op\":\"resync\"") {
            stream.resyncs += 1;
            if home {
                stream.home_refetched_at = self.home_joined_at;
            }
            return;
        }
        if !text.starts_with("{\"op\":\"change\"") {
            return;
        }
        let Some(position) = field_u64(text, "\"position\":") else {
            return;
        };
        let last = self.last.entry(home).or_default();
        let seen = self.at_last.entry(home).or_default();
        if position < *last {
            stream.out_of_order += 1;
        } else if position > *last {
            *last = position;
            seen.clear();
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        if position == *last && !seen.insert(hasher.finish()) {
            stream.duplicates += 1;
        }
        let post = (home && text.contains("\"kind\":\"upsert\""))
            .then(|| data_id(text))
            .flatten();
        stream.received.push(Received {
            home,
            position,
            post,
            at,
        });
    }
}

/// The integer after `key` in a frame's text, without parsing the frame.
pub(super) fn field_u64(text: &str, key: &str) -> Option<u64> {
    let start = text.find(key)? + key.len();
    let end = text[start..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(text.len(), |n| start + n);
    text[start..end].parse().ok()
}

/// The `post_id` of a home change's `data`, without parsing the frame.
pub(super) fn data_id(text: &str) -> Option<String> {
    let data = text.find("\"data\":")?;
    let key = "\"post_id\":\"";
    let start = text[data..].find(key)? + data + key.len();
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned())
}
