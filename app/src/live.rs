//! What a live subscription keeps across reconnects, apart from its socket: where to resume a topic
//! and how long to wait before the next attempt. Plain bookkeeping with no browser in it, so it is
//! tested natively; the socket loop that uses it is `client::follow`.

use std::time::Duration;

/// Where one topic's subscription stands.
///
/// The server's promise (`shared/API.md`): after `subscribe` with `after: P`, every change above P
/// arrives once, in position order. One event can make several changes of a topic at one position;
/// all but the last carry `more`. A reconnect must pass the last position seen *whole*, or the rest
/// of a half-seen position would be lost, and changes at or below it are repeats to drop.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resume {
    /// Every change of the topic up to here has been handed to the page (or the page's own data,
    /// read at that position, has it).
    whole: Option<u64>,
    /// The last change seen carried `more`: its position is above `whole` and not complete yet.
    partial: bool,
    /// The last subscribe named no position, so its `subscribed` answer says where it starts.
    from_now: bool,
    /// The topic's changes are states, published again at the head's position whenever they change
    /// (`admin:projections`): a position seen before brings news there, not a repeat.
    states: bool,
}

impl Resume {
    /// For a topic of states (see `states`).
    pub fn of_states() -> Resume {
        Resume {
            states: true,
            ..Resume::default()
        }
    }

    /// The `after` of the next subscribe. `page` is the position of the page's data, which pages
    /// raise from every change they apply, half-seen positions included: so while a position is
    /// half seen, the last whole one wins.
    pub fn subscribe(&mut self, page: Option<u64>) -> Option<u64> {
        let after = if self.partial {
            self.whole
        } else {
            self.whole.max(page)
        };
        self.whole = after;
        self.from_now = after.is_none();
        after
    }

    /// The server's `subscribed`: a subscription from now starts at its position.
    pub fn subscribed(&mut self, position: u64) {
        if std::mem::take(&mut self.from_now) {
            self.whole = self.whole.max(Some(position));
        }
    }

    /// Whether a change is new to the page (a repeat of what it has is dropped), noting how far
    /// the topic is whole: changes come in position order, so everything below this one is.
    pub fn change(&mut self, position: u64, more: bool) -> bool {
        if !self.states && self.whole.is_some_and(|whole| position <= whole) {
            return false;
        }
        let complete = if more {
            position.saturating_sub(1)
        } else {
            position
        };
        self.whole = self.whole.max(Some(complete));
        self.partial = more;
        true
    }

    /// The server cannot resume this topic: the page refetches, and nothing seen before counts.
    pub fn resync(&mut self) {
        *self = Resume {
            states: self.states,
            ..Resume::default()
        };
    }
}

/// Exponential backoff with full jitter: each wait is a random share of a ceiling that doubles from
/// a quarter of a second up to ten, so pages that lost the server together do not all come back in
/// the same instant. A successful subscribe starts it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    ceiling: Duration,
}

impl Backoff {
    pub const FIRST: Duration = Duration::from_millis(250);
    pub const MAX: Duration = Duration::from_secs(10);

    pub fn new() -> Backoff {
        Backoff {
            ceiling: Backoff::FIRST,
        }
    }

    /// The wait before the next attempt, for `random` in [0, 1).
    pub fn wait(&mut self, random: f64) -> Duration {
        let wait = self.ceiling.mul_f64(random.clamp(0.0, 1.0));
        self.ceiling = (self.ceiling * 2).min(Backoff::MAX);
        wait
    }

    pub fn reset(&mut self) {
        *self = Backoff::new();
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reconnect_resumes_after_the_page_position_when_nothing_is_half_seen() {
        let mut resume = Resume::default();
        assert_eq!(resume.subscribe(Some(10)), Some(10));
        assert!(resume.change(11, false));
        assert_eq!(resume.subscribe(Some(11)), Some(11));
        // A refetch (a resync elsewhere) may have moved the page further than any change.
        assert_eq!(resume.subscribe(Some(20)), Some(20));
    }

    #[test]
    fn a_half_seen_position_is_asked_for_again_whole() {
        let mut resume = Resume::default();
        resume.subscribe(Some(10));
        assert!(resume.change(11, true));
        // The page raised its own position to 11 from the first half; the resume must not.
        assert_eq!(resume.subscribe(Some(11)), Some(10));
        // The position comes again, whole: its first change is handed over again (pages apply
        // changes idempotently), then the rest, and the position counts as whole.
        assert!(resume.change(11, true));
        assert!(resume.change(11, false));
        assert_eq!(resume.subscribe(Some(11)), Some(11));
    }

    #[test]
    fn a_half_seen_position_stays_half_seen_over_a_reconnect_that_brought_nothing() {
        let mut resume = Resume::default();
        resume.subscribe(Some(10));
        resume.change(11, true);
        assert_eq!(resume.subscribe(Some(11)), Some(10));
        assert_eq!(resume.subscribe(Some(11)), Some(10));
    }

    #[test]
    fn changes_at_or_below_the_whole_position_are_repeats() {
        let mut resume = Resume::default();
        resume.subscribe(Some(10));
        assert!(!resume.change(9, false));
        assert!(!resume.change(10, false));
        assert!(resume.change(12, false));
        assert!(!resume.change(12, false));
        assert!(!resume.change(11, false));
    }

    #[test]
    fn on_a_topic_of_states_a_position_seen_before_brings_news() {
        let mut resume = Resume::of_states();
        resume.subscribe(None);
        resume.subscribed(7);
        assert!(resume.change(7, false));
        assert!(resume.change(7, false));
        assert_eq!(resume.subscribe(None), Some(7));
        resume.resync();
        resume.subscribe(None);
        assert!(resume.change(7, false));
    }

    #[test]
    fn a_subscription_from_now_resumes_from_where_it_started() {
        let mut resume = Resume::default();
        assert_eq!(resume.subscribe(None), None);
        resume.subscribed(42);
        assert!(!resume.change(42, false));
        assert_eq!(resume.subscribe(None), Some(42));
        // Only a subscription from now takes the answer's position: a resume's `subscribed` comes
        // before the changes it replays.
        resume.subscribed(50);
        assert!(resume.change(43, false));
    }

    #[test]
    fn a_resync_forgets_everything_seen() {
        let mut resume = Resume::default();
        resume.subscribe(Some(10));
        resume.change(11, true);
        resume.resync();
        assert_eq!(resume.subscribe(None), None);
        resume.subscribed(30);
        assert_eq!(resume.subscribe(Some(5)), Some(30));
    }

    #[test]
    fn the_backoff_ceiling_doubles_to_ten_seconds_and_each_wait_is_a_random_share_of_it() {
        let mut backoff = Backoff::new();
        assert_eq!(
            backoff.wait(0.999_999),
            Duration::from_millis(250).mul_f64(0.999_999)
        );
        assert_eq!(backoff.wait(0.5), Duration::from_millis(250));
        assert_eq!(backoff.wait(0.0), Duration::ZERO);
        for _ in 0..10 {
            assert!(backoff.wait(0.999) <= Backoff::MAX);
        }
        assert_eq!(backoff.wait(0.5), Duration::from_secs(5));
        backoff.reset();
        assert_eq!(backoff.wait(1.0), Duration::from_millis(250));
    }
}
