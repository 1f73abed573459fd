//! The hub's promise, piece by piece: replay, hand-over to the journal, `more`, slow subscribers,
//! late changes.

use super::*;
use crate::live::topics::{Access, TopicRule};
use app::wire::ChangeKind;
use serde_json::Value;

fn hub(position: u64) -> Hub {
    Hub::new(
        position,
        Topics::new(&[
            TopicRule::plain("public", Access::Anyone),
            TopicRule::plain("wallet", Access::Own),
            TopicRule::plain("home", Access::Own),
            TopicRule::source("home_wide", "home"),
        ]),
    )
}

fn change(topic: &str, position: u64) -> Change {
    Change::new(
        topic.into(),
        position,
        ChangeKind::Upsert,
        Value::from(position),
    )
}

fn subscriber(
    hub: &Hub,
    queue: usize,
) -> (
    Subscriber,
    mpsc::Receiver<Outgoing>,
    mpsc::UnboundedReceiver<String>,
) {
    let (frames, receiver) = mpsc::channel(queue);
    let (lagged, behind) = mpsc::unbounded_channel();
    let id = hub.next_subscriber_id();
    (Subscriber { id, frames, lagged }, receiver, behind)
}

/// The prefix a socket queues first: its `subscribed` frame at the answered position.
fn subscribed(topic: &'static str) -> impl FnOnce(u64) -> Vec<Utf8Bytes> {
    move |position| {
        vec![Hub::text(&ServerFrame::Subscribed {
            topic: topic.into(),
            position,
        })]
    }
}

fn frames(receiver: &mut mpsc::Receiver<Outgoing>) -> Vec<ServerFrame> {
    let mut frames = vec![];
    while let Ok(Outgoing::Frame(text)) = receiver.try_recv() {
        frames.push(serde_json::from_str(text.as_str()).unwrap());
    }
    frames
}

fn positions(frames: &[ServerFrame]) -> Vec<u64> {
    frames
        .iter()
        .filter_map(|frame| match frame {
            ServerFrame::Change { position, .. } => Some(*position),
            _ => None,
        })
        .collect()
}

#[test]
fn a_resume_gets_what_it_missed_from_the_ring_then_the_live_changes_in_order() {
    let hub = hub(0);
    hub.publish(2, vec![change("public", 1), change("public", 2)]);
    let (sub, mut receiver, _) = subscriber(&hub, 8);
    hub.subscribe("public", Some(1), subscribed("public"), sub)
        .unwrap();
    hub.publish(3, vec![change("public", 3)]);
    let got = frames(&mut receiver);
    assert!(
        matches!(got[0], ServerFrame::Subscribed { position: 2, .. }),
        "{got:?}"
    );
    assert_eq!(positions(&got), vec![2, 3]);
}

#[test]
fn a_resume_older_than_the_ring_is_sent_to_the_journal() {
    let hub = hub(10);
    let (sub, _receiver, _) = subscriber(&hub, 8);
    let answer = hub.subscribe("public", Some(5), |_| vec![], sub);
    assert_eq!(answer, Err(Missing::Before(10)));
}

#[test]
fn a_resume_from_before_a_rebuild_must_refetch() {
    let hub = hub(0);
    hub.rebuilt(7);
    let (sub, _receiver, _) = subscriber(&hub, 8);
    let answer = hub.subscribe("public", Some(5), |_| vec![], sub);
    assert!(matches!(answer, Err(Missing::Resync(_))), "{answer:?}");
}

#[test]
fn several_changes_at_one_position_say_more_until_the_last() {
    let hub = hub(0);
    let (sub, mut receiver, _) = subscriber(&hub, 8);
    hub.subscribe("wallet:ann", None, |_| vec![], sub).unwrap();
    hub.publish(
        4,
        vec![
            change("wallet:ann", 4),
            change("public", 4),
            change("wallet:ann", 4),
        ],
    );
    let got = frames(&mut receiver);
    let more: Vec<bool> = got
        .iter()
        .map(|frame| match frame {
            ServerFrame::Change { topic, more, .. } => {
                assert_eq!(
                    topic, "wallet",
                    "own topics are named as the client named them"
                );
                *more
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(more, vec![true, false]);
}

#[test]
fn a_subscriber_that_does_not_keep_up_is_dropped_and_told_without_holding_anyone_back() {
    let hub = hub(0);
    let (slow, _never_read, mut behind) = subscriber(&hub, 2);
    let (fast, mut receiver, _) = subscriber(&hub, 64);
    hub.subscribe("public", None, |_| vec![], slow).unwrap();
    hub.subscribe("public", None, |_| vec![], fast).unwrap();
    for position in 1..=10 {
        hub.publish(position, vec![change("public", position)]);
    }
    assert_eq!(behind.try_recv().ok().as_deref(), Some("public"));
    assert!(behind.try_recv().is_err(), "told once");
    assert_eq!(
        positions(&frames(&mut receiver)),
        (1..=10).collect::<Vec<_>>()
    );
    assert_eq!(hub.subscribers("public"), 1);
}

#[test]
fn a_late_change_makes_listeners_and_older_resumes_refetch() {
    let hub = hub(0);
    hub.publish(3, vec![change("public", 3)]);
    let (sub, _receiver, mut behind) = subscriber(&hub, 8);
    hub.subscribe("public", None, |_| vec![], sub).unwrap();
    hub.invalidate(5, &["public".to_owned()]);
    assert_eq!(behind.try_recv().ok().as_deref(), Some("public"));
    let (again, _r, _) = subscriber(&hub, 8);
    let answer = hub.subscribe("public", Some(3), |_| vec![], again);
    assert!(matches!(answer, Err(Missing::Resync(_))), "{answer:?}");
    let (later, _r, _) = subscriber(&hub, 8);
    assert!(hub.subscribe("public", Some(5), |_| vec![], later).is_ok());
}

#[test]
fn a_batch_made_out_of_position_order_reaches_subscribers_in_order() {
    let hub = hub(0);
    let (sub, mut receiver, _) = subscriber(&hub, 8);
    hub.subscribe("public", None, |_| vec![], sub).unwrap();
    // As the home read model makes them: a post at 7, then what a follow at 5 copied in (two items).
    let mut backfill = change("public", 5);
    backfill.data = Value::from("second at 5");
    hub.publish(7, vec![change("public", 7), change("public", 5), backfill]);
    let got = frames(&mut receiver);
    assert_eq!(positions(&got), vec![5, 5, 7]);
    let more: Vec<(Value, bool)> = got
        .into_iter()
        .filter_map(|frame| match frame {
            ServerFrame::Change { data, more, .. } => Some((data, more)),
            _ => None,
        })
        .collect();
    assert_eq!(
        more,
        vec![
            (Value::from(5), true),
            (Value::from("second at 5"), false),
            (Value::from(7), false)
        ]
    );
}

fn membership(member: &str, position: u64, joined: bool, refetch: bool) -> Membership {
    Membership {
        member: member.into(),
        source: "home_wide:star".into(),
        position,
        joined,
        refetch,
    }
}

fn source_change(position: u64, except: Option<&str>) -> Change {
    let mut change = change("home_wide:star", position);
    change.except = except.map(str::to_owned);
    change
}

fn topics_of(frames: &[ServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|frame| match frame {
            ServerFrame::Change { topic, .. } => Some(topic.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_source_reaches_its_members_as_their_own_topic_but_the_one_it_skips() {
    let hub = hub(0);
    let (ann, mut anns, _) = subscriber(&hub, 8);
    let (bob, mut bobs, _) = subscriber(&hub, 8);
    hub.subscribe("home:ann", None, |_| vec![], ann).unwrap();
    hub.subscribe("home:bob", None, |_| vec![], bob).unwrap();
    let joins = vec![
        membership("home:ann", 1, true, false),
        membership("home:bob", 1, true, false),
    ];
    hub.publish_with(1, vec![], joins);
    hub.publish(2, vec![source_change(2, Some("home:bob"))]);
    hub.publish(3, vec![source_change(3, None)]);
    let got = frames(&mut anns);
    assert_eq!(positions(&got), vec![2, 3]);
    assert_eq!(
        topics_of(&got),
        ["home", "home"],
        "framed as the member's topic"
    );
    assert_eq!(positions(&frames(&mut bobs)), vec![3]);
    assert_eq!(hub.sources("home:ann"), ["home_wide:star"]);
}

#[test]
fn a_resume_merges_the_rings_of_a_member_and_its_sources_by_position() {
    let hub = hub(0);
    hub.publish_with(1, vec![], vec![membership("home:ann", 1, true, false)]);
    hub.publish(2, vec![change("home:ann", 2)]);
    hub.publish(3, vec![source_change(3, None)]);
    hub.publish(4, vec![change("home:ann", 4)]);
    hub.publish(5, vec![source_change(5, Some("home:ann"))]);
    let (ann, mut anns, _) = subscriber(&hub, 8);
    hub.subscribe("home:ann", Some(1), subscribed("home"), ann)
        .unwrap();
    let got = frames(&mut anns);
    assert!(
        matches!(got[0], ServerFrame::Subscribed { position: 5, .. }),
        "the sources' last position counts: {got:?}"
    );
    assert_eq!(positions(&got), vec![2, 3, 4]);
}

#[test]
fn a_membership_that_changes_a_list_makes_it_refetch_and_older_resumes_too() {
    let hub = hub(0);
    let (ann, _anns, mut behind) = subscriber(&hub, 8);
    hub.subscribe("home:ann", None, |_| vec![], ann).unwrap();
    hub.publish_with(3, vec![], vec![membership("home:ann", 3, true, true)]);
    assert_eq!(behind.try_recv().ok().as_deref(), Some("home"));
    let (again, _r, _) = subscriber(&hub, 8);
    let answer = hub.subscribe("home:ann", Some(2), |_| vec![], again);
    assert!(matches!(answer, Err(Missing::Resync(_))), "{answer:?}");
    let (later, _laters, mut later_behind) = subscriber(&hub, 8);
    hub.subscribe("home:ann", Some(3), |_| vec![], later)
        .unwrap();
    // An unfollow: the open home refetches, and the source reaches ann no more.
    hub.publish_with(5, vec![], vec![membership("home:ann", 5, false, true)]);
    assert_eq!(later_behind.try_recv().ok().as_deref(), Some("home"));
    let (last, mut lasts, _) = subscriber(&hub, 8);
    hub.subscribe("home:ann", Some(5), |_| vec![], last)
        .unwrap();
    hub.publish(6, vec![source_change(6, None)]);
    assert!(positions(&frames(&mut lasts)).is_empty());
    assert!(hub.sources("home:ann").is_empty());
}

#[test]
fn memberships_take_effect_in_position_order_with_the_changes_of_their_batch() {
    let hub = hub(0);
    let (ann, mut anns, _) = subscriber(&hub, 8);
    hub.subscribe("home:ann", None, |_| vec![], ann).unwrap();
    // An author's mark at 4 (ann joins), the post that made it, an unfollow at 6, a post at 7.
    hub.publish_with(
        7,
        vec![source_change(7, None), source_change(4, None)],
        vec![
            membership("home:ann", 6, false, false),
            membership("home:ann", 4, true, false),
        ],
    );
    assert_eq!(positions(&frames(&mut anns)), vec![4]);
}

#[test]
fn a_projectors_memberships_replace_those_of_its_family_only() {
    let hub = hub(0);
    hub.publish_with(1, vec![], vec![membership("home:ann", 1, true, false)]);
    let other = Membership {
        source: "other:x".into(),
        ..membership("home:ann", 1, true, false)
    };
    hub.publish_with(1, vec![], vec![other]);
    hub.replace_memberships(
        "home_wide",
        vec![("home:bob".into(), "home_wide:star".into())],
    );
    assert_eq!(hub.sources("home:ann"), ["other:x"]);
    assert_eq!(hub.sources("home:bob"), ["home_wide:star"]);
}
