//! The follow aggregate, one stream per ordered pair (`follow-<follower>.<followee>`): following is
//! a switch, so following twice or unfollowing a stranger appends nothing.

use super::{Aggregate, Event, Rule};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowState {
    pub following: bool,
}

#[derive(Debug, Clone)]
pub enum FollowCommand {
    /// `followee_exists` and `blocked` (a block either way between the two) are found by the
    /// caller in other streams: the domain does no reads.
    Follow {
        follower: String,
        followee: String,
        followee_exists: bool,
        blocked: bool,
    },
    /// Always allowed: stopping to follow needs neither the followee nor the absence of a block.
    Unfollow { follower: String, followee: String },
}

pub struct Follow;

/// The stream of `follower` following `followee`.
pub fn stream(follower: &str, followee: &str) -> String {
    format!("follow-{follower}.{followee}")
}

impl Aggregate for Follow {
    type State = FollowState;
    type Command = FollowCommand;
    type Event = Event;

    fn decide(state: &FollowState, command: &FollowCommand) -> Result<Vec<Event>, Rule> {
        match command {
            FollowCommand::Follow {
                follower, followee, ..
            } if follower == followee => Err(Rule::Refused("you cannot follow yourself".into())),
            FollowCommand::Follow {
                followee_exists: false,
                ..
            } => Err(Rule::NotFound("no such user".into())),
            FollowCommand::Follow { blocked: true, .. } => {
                Err(Rule::Refused("you cannot follow this person".into()))
            }
            FollowCommand::Follow { .. } if state.following => Ok(vec![]),
            FollowCommand::Follow {
                follower, followee, ..
            } => Ok(vec![Event::UserFollowed {
                follower: follower.clone(),
                followee: followee.clone(),
            }]),
            FollowCommand::Unfollow { .. } if !state.following => Ok(vec![]),
            FollowCommand::Unfollow { follower, followee } => Ok(vec![Event::UserUnfollowed {
                follower: follower.clone(),
                followee: followee.clone(),
            }]),
        }
    }

    fn evolve(mut state: FollowState, event: &Event) -> FollowState {
        match event {
            Event::UserFollowed { .. } => state.following = true,
            Event::UserUnfollowed { .. } => state.following = false,
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::harness::given;

    fn follow(followee: &str, followee_exists: bool, blocked: bool) -> FollowCommand {
        FollowCommand::Follow {
            follower: "ann".into(),
            followee: followee.into(),
            followee_exists,
            blocked,
        }
    }

    fn unfollow() -> FollowCommand {
        FollowCommand::Unfollow {
            follower: "ann".into(),
            followee: "bob".into(),
        }
    }

    fn followed() -> Event {
        Event::UserFollowed {
            follower: "ann".into(),
            followee: "bob".into(),
        }
    }

    fn unfollowed() -> Event {
        Event::UserUnfollowed {
            follower: "ann".into(),
            followee: "bob".into(),
        }
    }

    #[test]
    fn the_stream_names_the_ordered_pair() {
        assert_eq!(stream("ann", "bob"), "follow-ann.bob");
    }

    #[test]
    fn a_person_follows_someone_who_exists() {
        given::<Follow>(&[])
            .when(follow("bob", true, false))
            .then(&[followed()]);
    }

    #[test]
    fn nobody_follows_themselves() {
        given::<Follow>(&[])
            .when(follow("ann", true, false))
            .then_refused(Rule::Refused("you cannot follow yourself".into()));
    }

    #[test]
    fn an_unknown_user_cannot_be_followed() {
        given::<Follow>(&[])
            .when(follow("bob", false, false))
            .then_refused(Rule::NotFound("no such user".into()));
    }

    #[test]
    fn a_block_either_way_refuses_the_follow() {
        given::<Follow>(&[])
            .when(follow("bob", true, true))
            .then_refused(Rule::Refused("you cannot follow this person".into()));
    }

    #[test]
    fn following_twice_counts_once() {
        given::<Follow>(&[followed()])
            .when(follow("bob", true, false))
            .then(&[]);
    }

    #[test]
    fn unfollowing_is_done_once() {
        given::<Follow>(&[followed()])
            .when(unfollow())
            .then(&[unfollowed()]);
        given::<Follow>(&[followed(), unfollowed()])
            .when(unfollow())
            .then(&[]);
        given::<Follow>(&[]).when(unfollow()).then(&[]);
    }

    #[test]
    fn an_unfollowed_person_can_be_followed_again() {
        given::<Follow>(&[followed(), unfollowed()])
            .when(follow("bob", true, false))
            .then(&[followed()]);
    }
}
