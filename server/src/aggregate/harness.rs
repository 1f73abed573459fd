//! Given/when/then for aggregates: given past events, when a command, then these events or a rule.

use super::{Aggregate, Rule};
use std::marker::PhantomData;

pub struct Given<A: Aggregate> {
    state: A::State,
    _aggregate: PhantomData<A>,
}

pub fn given<A: Aggregate>(history: &[A::Event]) -> Given<A> {
    Given {
        state: A::replay(history),
        _aggregate: PhantomData,
    }
}

pub struct When<A: Aggregate> {
    outcome: Result<Vec<A::Event>, Rule>,
    _aggregate: PhantomData<A>,
}

impl<A: Aggregate> Given<A> {
    pub fn when(self, command: A::Command) -> When<A> {
        When {
            outcome: A::decide(&self.state, &command),
            _aggregate: PhantomData,
        }
    }
}

impl<A: Aggregate> When<A> {
    #[track_caller]
    pub fn then(self, expected: &[A::Event]) {
        assert_eq!(self.outcome, Ok(expected.to_vec()));
    }

    #[track_caller]
    pub fn then_refused(self, expected: Rule) {
        assert_eq!(self.outcome, Err(expected));
    }

    /// For rules whose message is long: only the kind of refusal is checked.
    #[track_caller]
    pub fn then_refused_as(self, kind: fn(String) -> Rule) {
        match self.outcome {
            Err(rule) => {
                let message = rule.message().to_owned();
                assert_eq!(rule, kind(message), "refused, but as another kind");
            }
            Ok(events) => panic!("expected a refusal, got {events:?}"),
        }
    }
}
