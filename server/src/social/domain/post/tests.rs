//! The post aggregate, given/when/then.

use super::*;
use crate::aggregate::harness::given;

const ID: Uuid = Uuid::from_u128(7);

fn created() -> Event {
    Event::PostCreated {
        post_id: ID,
        author: "ann".into(),
        text: "hello #agora @bob".into(),
        reply_to: None,
        mentions: vec!["bob".into()],
        tags: vec!["agora".into()],
    }
}

fn create(text: &str, reply_to: Option<Parent>) -> PostCommand {
    PostCommand::Create {
        post_id: ID,
        author: "ann".into(),
        text: text.into(),
        reply_to,
    }
}

fn report(by: &str) -> PostCommand {
    PostCommand::Report {
        reporter: by.into(),
        reason: "spam".into(),
    }
}

fn reported(by: &str) -> Event {
    Event::PostReported {
        post_id: ID,
        reporter: by.into(),
        reason: "spam".into(),
    }
}

#[test]
fn a_post_is_created_with_its_mentions_and_tags() {
    given::<Post>(&[])
        .when(create("  hello #agora @bob ", None))
        .then(&[created()]);
}

#[test]
fn empty_or_long_text_is_invalid() {
    given::<Post>(&[])
        .when(create("   ", None))
        .then_refused_as(Rule::Invalid);
    given::<Post>(&[])
        .when(create(&"x".repeat(501), None))
        .then_refused_as(Rule::Invalid);
}

#[test]
fn a_reply_needs_a_visible_parent() {
    let parent = Parent {
        post_id: Uuid::from_u128(1),
        visible: false,
        blocks_author: false,
    };
    given::<Post>(&[])
        .when(create("hi", Some(parent)))
        .then_refused_as(Rule::Refused);
}

#[test]
fn no_reply_to_someone_who_blocked_you() {
    let parent = Parent {
        post_id: Uuid::from_u128(1),
        visible: true,
        blocks_author: true,
    };
    given::<Post>(&[])
        .when(create("hi", Some(parent)))
        .then_refused(Rule::Refused(
            "you cannot reply to someone who blocked you".into(),
        ));
}

#[test]
fn a_reply_to_a_visible_parent_is_created() {
    let parent = Parent {
        post_id: Uuid::from_u128(1),
        visible: true,
        blocks_author: false,
    };
    given::<Post>(&[])
        .when(create("hi", Some(parent)))
        .then(&[Event::PostCreated {
            post_id: ID,
            author: "ann".into(),
            text: "hi".into(),
            reply_to: Some(Uuid::from_u128(1)),
            mentions: vec![],
            tags: vec![],
        }]);
}

fn edit(by: Actor, text: &str) -> PostCommand {
    PostCommand::Edit {
        actor: by,
        text: text.into(),
    }
}

#[test]
fn the_author_edits_and_mentions_and_tags_are_parsed_again() {
    given::<Post>(&[created()])
        .when(edit(Actor::user("ann"), " bye #Rust @carol "))
        .then(&[Event::PostEdited {
            post_id: ID,
            author: "ann".into(),
            text: "bye #Rust @carol".into(),
            mentions: vec!["carol".into()],
            tags: vec!["rust".into()],
        }]);
}

#[test]
fn only_the_author_edits_not_even_an_admin() {
    given::<Post>(&[created()])
        .when(edit(Actor::user("bob"), "mine now"))
        .then_refused_as(Rule::Forbidden);
    given::<Post>(&[created()])
        .when(edit(Actor::system("moderation"), "moderated"))
        .then_refused_as(Rule::Forbidden);
    let admin = Actor {
        handle: "root".into(),
        is_admin: true,
    };
    given::<Post>(&[created()])
        .when(edit(admin, "moderated"))
        .then_refused_as(Rule::Forbidden);
}

#[test]
fn a_deleted_or_hidden_post_cannot_be_edited() {
    let deleted = Event::PostDeleted {
        post_id: ID,
        by: "ann".into(),
    };
    given::<Post>(&[created(), deleted])
        .when(edit(Actor::user("ann"), "again"))
        .then_refused(Rule::NotFound("no such post".into()));
    let hidden = Event::PostHidden {
        post_id: ID,
        reason: "spam".into(),
    };
    given::<Post>(&[created(), hidden])
        .when(edit(Actor::user("ann"), "again"))
        .then_refused(Rule::NotFound("no such post".into()));
    given::<Post>(&[])
        .when(edit(Actor::user("ann"), "again"))
        .then_refused(Rule::NotFound("no such post".into()));
}

#[test]
fn an_edit_follows_the_text_rules() {
    given::<Post>(&[created()])
        .when(edit(Actor::user("ann"), "  "))
        .then_refused_as(Rule::Invalid);
    given::<Post>(&[created()])
        .when(edit(Actor::user("ann"), &"x".repeat(501)))
        .then_refused_as(Rule::Invalid);
}

#[test]
fn an_edit_to_the_same_text_appends_nothing() {
    given::<Post>(&[created()])
        .when(edit(Actor::user("ann"), " hello #agora @bob "))
        .then(&[]);
    let edited = Event::PostEdited {
        post_id: ID,
        author: "ann".into(),
        text: "bye".into(),
        mentions: vec![],
        tags: vec![],
    };
    given::<Post>(&[created(), edited])
        .when(edit(Actor::user("ann"), "bye"))
        .then(&[]);
}

#[test]
fn a_post_id_is_used_once() {
    given::<Post>(&[created()])
        .when(create("again", None))
        .then_refused_as(Rule::Conflict);
}

#[test]
fn only_the_author_or_an_admin_deletes() {
    given::<Post>(&[created()])
        .when(PostCommand::Delete {
            actor: Actor::user("bob"),
        })
        .then_refused_as(Rule::Forbidden);
    given::<Post>(&[created()])
        .when(PostCommand::Delete {
            actor: Actor::user("ann"),
        })
        .then(&[Event::PostDeleted {
            post_id: ID,
            by: "ann".into(),
        }]);
}

#[test]
fn each_reporter_counts_once_and_never_the_author() {
    given::<Post>(&[created()])
        .when(report("bob"))
        .then(&[reported("bob")]);
    given::<Post>(&[created(), reported("bob")])
        .when(report("bob"))
        .then_refused_as(Rule::Refused);
    given::<Post>(&[created()])
        .when(report("ann"))
        .then_refused_as(Rule::Refused);
}

#[test]
fn hiding_is_done_once() {
    let hidden = Event::PostHidden {
        post_id: ID,
        reason: "reported".into(),
    };
    given::<Post>(&[created()])
        .when(PostCommand::Hide {
            reason: "reported".into(),
        })
        .then(std::slice::from_ref(&hidden));
    given::<Post>(&[created(), hidden])
        .when(PostCommand::Hide {
            reason: "again".into(),
        })
        .then(&[]);
}

#[test]
fn a_post_that_does_not_exist_cannot_be_reported() {
    given::<Post>(&[])
        .when(report("bob"))
        .then_refused(Rule::NotFound("no such post".into()));
}

#[test]
fn a_deleted_post_takes_no_more_commands() {
    let deleted = Event::PostDeleted {
        post_id: ID,
        by: "ann".into(),
    };
    given::<Post>(&[created(), deleted])
        .when(report("bob"))
        .then_refused_as(Rule::NotFound);
}
