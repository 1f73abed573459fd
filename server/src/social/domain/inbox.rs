//! The inbox aggregate, one stream per person (`inbox-<handle>`): how far their notifications are
//! read. Notifications themselves are a read model; only the read mark is a decision, and it only
//! moves forward, so a late or repeated "mark read" changes nothing.

use super::{Aggregate, Event, Rule};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxState {
    /// The position of the last notification read; 0 when none is.
    pub read_up_to: u64,
}

#[derive(Debug, Clone)]
pub enum InboxCommand {
    /// Marks every notification at or before the position `up_to` as read.
    MarkRead { handle: String, up_to: u64 },
}

pub struct Inbox;

/// The stream of this person's inbox.
pub fn stream(handle: &str) -> String {
    format!("inbox-{handle}")
}

impl Aggregate for Inbox {
    type State = InboxState;
    type Command = InboxCommand;
    type Event = Event;

    fn decide(state: &InboxState, command: &InboxCommand) -> Result<Vec<Event>, Rule> {
        let InboxCommand::MarkRead { handle, up_to } = command;
        if *up_to == 0 {
            return Err(Rule::Invalid("up_to is a notification position".into()));
        }
        if *up_to <= state.read_up_to {
            return Ok(vec![]);
        }
        Ok(vec![Event::NotificationsRead {
            handle: handle.clone(),
            up_to: *up_to,
        }])
    }

    fn evolve(mut state: InboxState, event: &Event) -> InboxState {
        if let Event::NotificationsRead { up_to, .. } = event {
            state.read_up_to = state.read_up_to.max(*up_to);
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::harness::given;

    fn mark_read(up_to: u64) -> InboxCommand {
        InboxCommand::MarkRead {
            handle: "ann".into(),
            up_to,
        }
    }

    fn read(up_to: u64) -> Event {
        Event::NotificationsRead {
            handle: "ann".into(),
            up_to,
        }
    }

    #[test]
    fn the_stream_names_the_person() {
        assert_eq!(stream("ann"), "inbox-ann");
    }

    #[test]
    fn notifications_are_read_up_to_a_position() {
        given::<Inbox>(&[]).when(mark_read(5)).then(&[read(5)]);
        given::<Inbox>(&[read(5)])
            .when(mark_read(9))
            .then(&[read(9)]);
    }

    #[test]
    fn position_zero_is_invalid() {
        given::<Inbox>(&[])
            .when(mark_read(0))
            .then_refused(Rule::Invalid("up_to is a notification position".into()));
    }

    #[test]
    fn the_read_mark_never_moves_back() {
        given::<Inbox>(&[read(5)]).when(mark_read(5)).then(&[]);
        given::<Inbox>(&[read(5)]).when(mark_read(3)).then(&[]);
    }
}
