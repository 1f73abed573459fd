//! The like aggregate, one stream per post and person (`like-<post>.<handle>`): a like is a switch,
//! so liking twice counts once and a stream stays tiny whatever the post's popularity.

use super::target::Target;
use super::{Aggregate, Event, Rule};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LikeState {
    pub liked: bool,
}

#[derive(Debug, Clone)]
pub enum LikeCommand {
    Like {
        post_id: Uuid,
        by: String,
        target: Target,
    },
    /// Unliking needs no visibility check: taking a like back is always allowed.
    Unlike {
        post_id: Uuid,
        by: String,
        author: String,
    },
}

pub struct Like;

/// The stream of this person's like of this post.
pub fn stream(post_id: Uuid, handle: &str) -> String {
    format!("like-{post_id}.{handle}")
}

impl Aggregate for Like {
    type State = LikeState;
    type Command = LikeCommand;
    type Event = Event;

    fn decide(state: &LikeState, command: &LikeCommand) -> Result<Vec<Event>, Rule> {
        match command {
            LikeCommand::Like { target, .. } if !target.visible => {
                Err(Rule::NotFound("no such post".into()))
            }
            LikeCommand::Like { target, .. } if target.blocked => {
                Err(Rule::Refused("you cannot like this post".into()))
            }
            LikeCommand::Like { .. } if state.liked => Ok(vec![]),
            LikeCommand::Like {
                post_id,
                by,
                target,
            } => Ok(vec![Event::PostLiked {
                post_id: *post_id,
                by: by.clone(),
                author: target.author.clone(),
            }]),
            LikeCommand::Unlike { .. } if !state.liked => Ok(vec![]),
            LikeCommand::Unlike {
                post_id,
                by,
                author,
            } => Ok(vec![Event::PostUnliked {
                post_id: *post_id,
                by: by.clone(),
                author: author.clone(),
            }]),
        }
    }

    fn evolve(mut state: LikeState, event: &Event) -> LikeState {
        match event {
            Event::PostLiked { .. } => state.liked = true,
            Event::PostUnliked { .. } => state.liked = false,
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::harness::given;

    const ID: Uuid = Uuid::from_u128(7);

    fn target(visible: bool, blocked: bool) -> Target {
        Target {
            author: "ann".into(),
            visible,
            blocked,
        }
    }

    fn like(target: Target) -> LikeCommand {
        LikeCommand::Like {
            post_id: ID,
            by: "bob".into(),
            target,
        }
    }

    fn unlike() -> LikeCommand {
        LikeCommand::Unlike {
            post_id: ID,
            by: "bob".into(),
            author: "ann".into(),
        }
    }

    fn liked() -> Event {
        Event::PostLiked {
            post_id: ID,
            by: "bob".into(),
            author: "ann".into(),
        }
    }

    fn unliked() -> Event {
        Event::PostUnliked {
            post_id: ID,
            by: "bob".into(),
            author: "ann".into(),
        }
    }

    #[test]
    fn the_stream_names_the_post_and_the_person() {
        assert_eq!(
            stream(ID, "bob"),
            "like-00000000-0000-0000-0000-000000000007.bob"
        );
    }

    #[test]
    fn a_visible_post_is_liked_with_its_author() {
        given::<Like>(&[])
            .when(like(target(true, false)))
            .then(&[liked()]);
    }

    #[test]
    fn a_post_that_is_not_visible_cannot_be_liked() {
        given::<Like>(&[])
            .when(like(target(false, false)))
            .then_refused(Rule::NotFound("no such post".into()));
    }

    #[test]
    fn a_block_either_way_refuses_the_like() {
        given::<Like>(&[])
            .when(like(target(true, true)))
            .then_refused(Rule::Refused("you cannot like this post".into()));
    }

    #[test]
    fn liking_twice_counts_once() {
        given::<Like>(&[liked()])
            .when(like(target(true, false)))
            .then(&[]);
    }

    #[test]
    fn an_unliked_post_can_be_liked_again() {
        given::<Like>(&[liked(), unliked()])
            .when(like(target(true, false)))
            .then(&[liked()]);
    }

    #[test]
    fn a_like_is_taken_back_once() {
        given::<Like>(&[liked()]).when(unlike()).then(&[unliked()]);
        given::<Like>(&[liked(), unliked()])
            .when(unlike())
            .then(&[]);
        given::<Like>(&[]).when(unlike()).then(&[]);
    }
}
