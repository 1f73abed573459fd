//! The relation aggregate: what one person set about another, one stream per ordered pair
//! (`relation-<by>.<other>`). Muting hides the other's posts from `by` only; blocking is what the
//! like, repost, follow and reply rules ask about (the caller reads both directions and passes
//! the answer in).

use super::{Aggregate, Event, Rule};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationState {
    pub muted: bool,
    pub blocked: bool,
}

/// Every command names both people and whether `other` exists (found by the caller).
#[derive(Debug, Clone)]
pub enum RelationCommand {
    Mute {
        by: String,
        other: String,
        other_exists: bool,
    },
    Unmute {
        by: String,
        other: String,
        other_exists: bool,
    },
    Block {
        by: String,
        other: String,
        other_exists: bool,
    },
    Unblock {
        by: String,
        other: String,
        other_exists: bool,
    },
}

impl RelationCommand {
    /// `(by, other, other_exists)`, the same for every command.
    fn parts(&self) -> (&str, &str, bool) {
        match self {
            RelationCommand::Mute {
                by,
                other,
                other_exists,
            }
            | RelationCommand::Unmute {
                by,
                other,
                other_exists,
            }
            | RelationCommand::Block {
                by,
                other,
                other_exists,
            }
            | RelationCommand::Unblock {
                by,
                other,
                other_exists,
            } => (by.as_str(), other.as_str(), *other_exists),
        }
    }
}

pub struct Relation;

/// The stream of what `by` set about `other`.
pub fn stream(by: &str, other: &str) -> String {
    format!("relation-{by}.{other}")
}

impl Aggregate for Relation {
    type State = RelationState;
    type Command = RelationCommand;
    type Event = Event;

    fn decide(state: &RelationState, command: &RelationCommand) -> Result<Vec<Event>, Rule> {
        let (by, other, other_exists) = command.parts();
        if by == other {
            let message = match command {
                RelationCommand::Mute { .. } | RelationCommand::Unmute { .. } => {
                    "you cannot mute yourself"
                }
                RelationCommand::Block { .. } | RelationCommand::Unblock { .. } => {
                    "you cannot block yourself"
                }
            };
            return Err(Rule::Refused(message.into()));
        }
        if !other_exists {
            return Err(Rule::NotFound("no such user".into()));
        }
        let (by, other) = (by.to_owned(), other.to_owned());
        Ok(match command {
            RelationCommand::Mute { .. } if state.muted => vec![],
            RelationCommand::Mute { .. } => vec![Event::UserMuted { by, muted: other }],
            RelationCommand::Unmute { .. } if !state.muted => vec![],
            RelationCommand::Unmute { .. } => vec![Event::UserUnmuted { by, muted: other }],
            RelationCommand::Block { .. } if state.blocked => vec![],
            RelationCommand::Block { .. } => vec![Event::UserBlocked { by, blocked: other }],
            RelationCommand::Unblock { .. } if !state.blocked => vec![],
            RelationCommand::Unblock { .. } => vec![Event::UserUnblocked { by, blocked: other }],
        })
    }

    fn evolve(mut state: RelationState, event: &Event) -> RelationState {
        match event {
            Event::UserMuted { .. } => state.muted = true,
            Event::UserUnmuted { .. } => state.muted = false,
            Event::UserBlocked { .. } => state.blocked = true,
            Event::UserUnblocked { .. } => state.blocked = false,
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::harness::given;

    /// `ann` about `other`, who exists unless told.
    fn command(
        kind: fn(String, String, bool) -> RelationCommand,
        other: &str,
        exists: bool,
    ) -> RelationCommand {
        kind("ann".into(), other.into(), exists)
    }

    fn mute(by: String, other: String, other_exists: bool) -> RelationCommand {
        RelationCommand::Mute {
            by,
            other,
            other_exists,
        }
    }

    fn unmute(by: String, other: String, other_exists: bool) -> RelationCommand {
        RelationCommand::Unmute {
            by,
            other,
            other_exists,
        }
    }

    fn block(by: String, other: String, other_exists: bool) -> RelationCommand {
        RelationCommand::Block {
            by,
            other,
            other_exists,
        }
    }

    fn unblock(by: String, other: String, other_exists: bool) -> RelationCommand {
        RelationCommand::Unblock {
            by,
            other,
            other_exists,
        }
    }

    fn muted() -> Event {
        Event::UserMuted {
            by: "ann".into(),
            muted: "bob".into(),
        }
    }

    fn unmuted() -> Event {
        Event::UserUnmuted {
            by: "ann".into(),
            muted: "bob".into(),
        }
    }

    fn blocked() -> Event {
        Event::UserBlocked {
            by: "ann".into(),
            blocked: "bob".into(),
        }
    }

    fn unblocked() -> Event {
        Event::UserUnblocked {
            by: "ann".into(),
            blocked: "bob".into(),
        }
    }

    #[test]
    fn the_stream_names_the_ordered_pair() {
        assert_eq!(stream("ann", "bob"), "relation-ann.bob");
    }

    #[test]
    fn muting_is_a_switch_set_once() {
        given::<Relation>(&[])
            .when(command(mute, "bob", true))
            .then(&[muted()]);
        given::<Relation>(&[muted()])
            .when(command(mute, "bob", true))
            .then(&[]);
        given::<Relation>(&[muted()])
            .when(command(unmute, "bob", true))
            .then(&[unmuted()]);
        given::<Relation>(&[])
            .when(command(unmute, "bob", true))
            .then(&[]);
        given::<Relation>(&[muted(), unmuted()])
            .when(command(unmute, "bob", true))
            .then(&[]);
    }

    #[test]
    fn blocking_is_a_switch_set_once() {
        given::<Relation>(&[])
            .when(command(block, "bob", true))
            .then(&[blocked()]);
        given::<Relation>(&[blocked()])
            .when(command(block, "bob", true))
            .then(&[]);
        given::<Relation>(&[blocked()])
            .when(command(unblock, "bob", true))
            .then(&[unblocked()]);
        given::<Relation>(&[])
            .when(command(unblock, "bob", true))
            .then(&[]);
        given::<Relation>(&[blocked(), unblocked()])
            .when(command(unblock, "bob", true))
            .then(&[]);
    }

    #[test]
    fn muting_and_blocking_are_independent() {
        given::<Relation>(&[muted()])
            .when(command(block, "bob", true))
            .then(&[blocked()]);
        given::<Relation>(&[blocked()])
            .when(command(mute, "bob", true))
            .then(&[muted()]);
    }

    #[test]
    fn nobody_mutes_or_blocks_themselves() {
        for kind in [mute, unmute] {
            given::<Relation>(&[])
                .when(command(kind, "ann", true))
                .then_refused(Rule::Refused("you cannot mute yourself".into()));
        }
        for kind in [block, unblock] {
            given::<Relation>(&[])
                .when(command(kind, "ann", true))
                .then_refused(Rule::Refused("you cannot block yourself".into()));
        }
    }

    #[test]
    fn an_unknown_user_is_not_found_for_every_command() {
        for kind in [mute, unmute, block, unblock] {
            given::<Relation>(&[muted(), blocked()])
                .when(command(kind, "bob", false))
                .then_refused(Rule::NotFound("no such user".into()));
        }
    }
}
