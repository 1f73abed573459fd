//! Live push: read models publish changes on topics; sockets subscribe to topics.
//!
//! The promise of `shared/API.md`: after `subscribe` with `after: P`, every change to the topic with
//! a position above P arrives once, in order, or a `resync` is sent. Three layers keep it:
//! - the hub (`hub.rs`) holds each topic's recent changes, already serialised: a subscription replays
//!   those above P and joins the live flow under one lock;
//! - the journal (`journal.rs`) holds every change durably, written with the read model's own rows:
//!   a resume from older positions (a long disconnect, a restart) is answered from it;
//! - `resync` for what neither can answer: a read model rebuilt since P, or P older than the journal
//!   keeps. See docs/live.md.

mod feed;
pub mod history;
pub mod hub;
pub mod journal;
mod members;
mod protocol;
pub mod revocations;
mod ring;
mod socket;
pub mod topics;

pub use feed::{feed_dashboard, feed_events, Dashboard};
pub use hub::{Hub, Outgoing, Subscriber};
pub use socket::{__path_websocket, unreadable_close, websocket};

use app::wire::{ChangeKind, ServerFrame};
use axum::extract::ws::Utf8Bytes;
use serde_json::Value;
use std::collections::HashSet;
use topics::Topics;

/// One change of a read model, on one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub topic: String,
    pub position: u64,
    pub kind: ChangeKind,
    pub data: Value,
    /// On a source topic (see [`Membership`]): the one member topic this change does not reach.
    pub except: Option<String>,
}

impl Change {
    /// A change that reaches every subscriber of its topic.
    pub fn new(topic: String, position: u64, kind: ChangeKind, data: Value) -> Change {
        Change {
            topic,
            position,
            kind,
            data,
            except: None,
        }
    }
}

/// A source topic whose changes also reach the subscribers of a member topic, from `position` on
/// (or, when `joined` is false, no longer). Home uses it for its most-followed authors: each is one
/// source topic (`home_wide:<author>`), and each follower's `home:<handle>` a member, so a post is
/// one change and one journal row, not one per follower. Sources are not subscribable themselves;
/// their frames carry the member's client topic (see `TopicRule::source`).
///
/// `refetch`: the member's list changed in a way no frame says (a follow merges in a wide author's
/// earlier posts): its subscribers are told `resync`, and resumes from before `position` refetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub member: String,
    pub source: String,
    pub position: u64,
    pub joined: bool,
    pub refetch: bool,
}

/// A change about to be sent: where it goes, and the text of its frame.
pub(crate) struct Framed {
    pub topic: String,
    /// The topic as the client named it (`home`, not the hub's `home:ann`).
    pub client_topic: String,
    pub position: u64,
    pub except: Option<String>,
}

/// The frames of changes in position order, each serialised once. A frame says `more` when another
/// change of its topic at its position follows, so a client knows when it has seen a position whole.
///
/// A read model may make a batch's changes out of position order (home's follow backfill comes
/// after the batch's later posts; notifications' read marks after its new rows): the sort is stable,
/// so the changes of one position keep the order their read model gave them.
pub(crate) fn frames(topics: &Topics, mut changes: Vec<Change>) -> Vec<(Framed, Utf8Bytes)> {
    changes.sort_by_key(|change| change.position);
    // A change says `more` when a later change of the batch has its topic and position.
    let more: Vec<bool> = {
        let mut seen: HashSet<(&str, u64)> = HashSet::new();
        let mut more: Vec<bool> = changes
            .iter()
            .rev()
            .map(|change| !seen.insert((change.topic.as_str(), change.position)))
            .collect();
        more.reverse();
        more
    };
    changes
        .into_iter()
        .zip(more)
        .map(|(change, more)| {
            let client_topic = topics.client_topic(&change.topic).to_owned();
            let text = Hub::text(&ServerFrame::Change {
                topic: client_topic.clone(),
                position: change.position,
                kind: change.kind,
                data: change.data,
                more,
            });
            let framed = Framed {
                topic: change.topic,
                client_topic,
                position: change.position,
                except: change.except,
            };
            (framed, text)
        })
        .collect()
}
