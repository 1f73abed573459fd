//! The social events' shapes, upcasting and personal fields.

use super::*;

#[test]
fn a_version_one_registration_loses_its_password_hash() {
    let old = serde_json::json!({"user_id": Uuid::nil(), "handle": "ann", "display_name": "Ann",
        "password_hash": "$argon2id$v=19$secret"});
    let (schema, data) = upcast("UserRegistered", 1, old);
    assert_eq!(schema, 2);
    assert!(data.get(SECRET_FIELD).is_none());
    assert_eq!(
        Event::from_parts("UserRegistered", &data).unwrap(),
        Event::UserRegistered {
            user_id: Uuid::nil(),
            handle: "ann".into(),
            display_name: "Ann".into(),
        }
    );
}

#[test]
fn an_event_round_trips_through_its_parts() {
    let event = Event::PostHidden {
        post_id: Uuid::nil(),
        reason: "spam".into(),
    };
    let (event_type, data) = (event.type_name(), event.data());
    assert_eq!(event_type, "PostHidden");
    assert_eq!(Event::from_parts(event_type, &data).unwrap(), event);
}

#[test]
fn a_version_one_post_gains_its_mentions_and_tags() {
    let old = serde_json::json!({"post_id": Uuid::nil(), "author": "ann", "text": "hi @bob #Rust"});
    let (schema, data) = upcast("PostCreated", 1, old);
    assert_eq!(schema, 2);
    match Event::from_parts("PostCreated", &data).unwrap() {
        Event::PostCreated {
            mentions,
            tags,
            reply_to,
            ..
        } => {
            assert_eq!(mentions, vec!["bob"]);
            assert_eq!(tags, vec!["rust"]);
            assert_eq!(reply_to, None);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn the_new_events_are_schema_one_and_round_trip() {
    let (who, other) = (String::from("ann"), String::from("bob"));
    let events = [
        Event::UserErased {
            user_id: Uuid::nil(),
            handle: who.clone(),
        },
        Event::PostEdited {
            post_id: Uuid::nil(),
            author: who.clone(),
            text: "hi #rust".into(),
            mentions: vec![],
            tags: vec!["rust".into()],
        },
        Event::PostLiked {
            post_id: Uuid::nil(),
            by: other.clone(),
            author: who.clone(),
        },
        Event::PostUnliked {
            post_id: Uuid::nil(),
            by: other.clone(),
            author: who.clone(),
        },
        Event::PostReposted {
            post_id: Uuid::nil(),
            by: other.clone(),
            author: who.clone(),
        },
        Event::UserFollowed {
            follower: who.clone(),
            followee: other.clone(),
        },
        Event::UserUnfollowed {
            follower: who.clone(),
            followee: other.clone(),
        },
        Event::UserMuted {
            by: who.clone(),
            muted: other.clone(),
        },
        Event::UserUnmuted {
            by: who.clone(),
            muted: other.clone(),
        },
        Event::UserBlocked {
            by: who.clone(),
            blocked: other.clone(),
        },
        Event::UserUnblocked {
            by: who.clone(),
            blocked: other.clone(),
        },
        Event::NotificationsRead {
            handle: who.clone(),
            up_to: 42,
        },
    ];
    for event in events {
        let (event_type, data) = (event.type_name(), event.data());
        assert_eq!(DomainEvent::schema(&event), 1, "{event_type}");
        assert_eq!(Event::from_parts(event_type, &data).unwrap(), event);
        assert!(
            Event::knows(event_type),
            "{event_type} is missing from TYPES"
        );
    }
}

#[test]
fn posts_and_profiles_are_personal_to_their_author() {
    let post = Event::PostCreated {
        post_id: Uuid::nil(),
        author: "ann".into(),
        text: "hi".into(),
        reply_to: None,
        mentions: vec![],
        tags: vec![],
    };
    let personal = personal_fields(post.type_name(), &post.data()).unwrap();
    assert_eq!(personal.subject, "ann");
    assert!(personal.fields.contains(&"text"));
    let like = Event::PostLiked {
        post_id: Uuid::nil(),
        by: "bob".into(),
        author: "ann".into(),
    };
    assert_eq!(personal_fields(like.type_name(), &like.data()), None);
}

#[test]
fn an_erased_post_still_reads_without_its_text() {
    let data = serde_json::json!({"post_id": Uuid::nil(), "author": "ann", "reply_to": null});
    match Event::from_parts("PostCreated", &data).unwrap() {
        Event::PostCreated { text, tags, .. } => assert!(text.is_empty() && tags.is_empty()),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn current_data_is_left_alone() {
    let data = serde_json::json!({"handle": "ann"});
    assert_eq!(upcast("AdminGranted", 1, data.clone()), (1, data));
}
