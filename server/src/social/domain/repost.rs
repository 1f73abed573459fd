//! The repost aggregate, one stream per post and person (`repost-<post>.<handle>`): a person
//! reposts a post at most once, and never their own.

use super::target::Target;
use super::{Aggregate, Event, Rule};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepostState {
    pub reposted: bool,
}

#[derive(Debug, Clone)]
pub enum RepostCommand {
    Repost {
        post_id: Uuid,
        by: String,
        target: Target,
    },
}

pub struct Repost;

/// The stream of this person's repost of this post.
pub fn stream(post_id: Uuid, handle: &str) -> String {
    format!("repost-{post_id}.{handle}")
}

impl Aggregate for Repost {
    type State = RepostState;
    type Command = RepostCommand;
    type Event = Event;

    fn decide(state: &RepostState, command: &RepostCommand) -> Result<Vec<Event>, Rule> {
        let RepostCommand::Repost {
            post_id,
            by,
            target,
        } = command;
        if !target.visible {
            return Err(Rule::NotFound("no such post".into()));
        }
        if *by == target.author {
            return Err(Rule::Refused("you cannot repost your own post".into()));
        }
        if target.blocked {
            return Err(Rule::Refused("you cannot repost this post".into()));
        }
        if state.reposted {
            return Ok(vec![]);
        }
        Ok(vec![Event::PostReposted {
            post_id: *post_id,
            by: by.clone(),
            author: target.author.clone(),
        }])
    }

    fn evolve(mut state: RepostState, event: &Event) -> RepostState {
        if let Event::PostReposted { .. } = event {
            state.reposted = true;
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::harness::given;

    const ID: Uuid = Uuid::from_u128(7);

    fn repost(by: &str, visible: bool, blocked: bool) -> RepostCommand {
        RepostCommand::Repost {
            post_id: ID,
            by: by.into(),
            target: Target {
                author: "ann".into(),
                visible,
                blocked,
            },
        }
    }

    fn reposted() -> Event {
        Event::PostReposted {
            post_id: ID,
            by: "bob".into(),
            author: "ann".into(),
        }
    }

    #[test]
    fn the_stream_names_the_post_and_the_person() {
        assert_eq!(
            stream(ID, "bob"),
            "repost-00000000-0000-0000-0000-000000000007.bob"
        );
    }

    #[test]
    fn a_visible_post_is_reposted_with_its_author() {
        given::<Repost>(&[])
            .when(repost("bob", true, false))
            .then(&[reposted()]);
    }

    #[test]
    fn a_post_that_is_not_visible_cannot_be_reposted() {
        given::<Repost>(&[])
            .when(repost("bob", false, false))
            .then_refused(Rule::NotFound("no such post".into()));
    }

    #[test]
    fn nobody_reposts_their_own_post() {
        given::<Repost>(&[])
            .when(repost("ann", true, false))
            .then_refused(Rule::Refused("you cannot repost your own post".into()));
    }

    #[test]
    fn a_block_either_way_refuses_the_repost() {
        given::<Repost>(&[])
            .when(repost("bob", true, true))
            .then_refused(Rule::Refused("you cannot repost this post".into()));
    }

    #[test]
    fn reposting_twice_counts_once() {
        given::<Repost>(&[reposted()])
            .when(repost("bob", true, false))
            .then(&[]);
    }
}
