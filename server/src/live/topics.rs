//! Which topics exist and who may read them. Contexts register their topics (`crate::registry`); the
//! admin topics belong to the runtime.

use std::sync::Arc;

/// What a topic needs of its subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Anyone,
    /// The signed-in person's own: the hub keeps it per person as `<name>:<handle>`.
    Own,
    Admin,
}

/// One topic, or a family of them (`name:<parameter>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicRule {
    pub name: &'static str,
    /// True for `name:<parameter>` topics (`user:<handle>`), false for a plain `name`.
    pub parameterised: bool,
    pub access: Access,
    /// For a source family (see [`crate::live::Membership`]): the client topic its frames carry.
    /// No client subscribes to a source itself.
    pub framed_as: Option<&'static str>,
}

impl TopicRule {
    pub const fn plain(name: &'static str, access: Access) -> Self {
        TopicRule {
            name,
            parameterised: false,
            access,
            framed_as: None,
        }
    }

    pub const fn family(name: &'static str, access: Access) -> Self {
        TopicRule {
            name,
            parameterised: true,
            access,
            framed_as: None,
        }
    }

    /// A family of source topics (`name:<parameter>`) whose changes reach member topics, framed as
    /// `framed_as` (the members' client topic). Not subscribable, so its access is never asked:
    /// `Own`, as what reaches a member is as private as the member's own topic.
    pub const fn source(name: &'static str, framed_as: &'static str) -> Self {
        TopicRule {
            name,
            parameterised: true,
            access: Access::Own,
            framed_as: Some(framed_as),
        }
    }
}

/// The runtime's own topics: the live log and the projector dashboard.
pub const ADMIN_EVENTS: &str = "admin:events";
pub const ADMIN_PROJECTIONS: &str = "admin:projections";

/// Every topic the socket knows. Cheap to clone.
#[derive(Clone)]
pub struct Topics(Arc<Vec<TopicRule>>);

impl Topics {
    pub fn new(contexts: &[TopicRule]) -> Topics {
        let mut rules = contexts.to_vec();
        rules.push(TopicRule::plain(ADMIN_EVENTS, Access::Admin));
        rules.push(TopicRule::plain(ADMIN_PROJECTIONS, Access::Admin));
        Topics(Arc::new(rules))
    }

    /// The access a topic needs, and the hub's name for it; `None` for a topic that does not exist.
    pub fn resolve(&self, topic: &str, viewer: Option<&str>) -> Option<(Access, String)> {
        let rule = self.0.iter().find(|rule| {
            if rule.framed_as.is_some() {
                false
            } else if rule.parameterised {
                topic
                    .strip_prefix(rule.name)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|parameter| !parameter.is_empty())
            } else {
                topic == rule.name
            }
        })?;
        let hub_topic = match rule.access {
            Access::Own => format!("{topic}:{}", viewer.unwrap_or_default()),
            _ => topic.to_owned(),
        };
        Some((rule.access, hub_topic))
    }

    /// The topic as the client named it: own topics are kept per person in the hub, and a source's
    /// frames carry its members' topic.
    pub fn client_topic<'a>(&self, hub_topic: &'a str) -> &'a str {
        let Some((name, _)) = hub_topic.split_once(':') else {
            return hub_topic;
        };
        match self.0.iter().find(|rule| rule.name == name) {
            Some(TopicRule {
                framed_as: Some(framed_as),
                ..
            }) => framed_as,
            Some(rule) if rule.access == Access::Own => rule.name,
            _ => hub_topic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics() -> Topics {
        Topics::new(&[
            TopicRule::plain("public", Access::Anyone),
            TopicRule::family("user", Access::Anyone),
            TopicRule::plain("home", Access::Own),
            TopicRule::source("home_wide", "home"),
        ])
    }

    #[test]
    fn topics_resolve_with_their_access() {
        let topics = topics();
        assert_eq!(
            topics.resolve("public", None),
            Some((Access::Anyone, "public".into()))
        );
        assert_eq!(
            topics.resolve("home", Some("ann")),
            Some((Access::Own, "home:ann".into()))
        );
        assert_eq!(
            topics.resolve("admin:events", None),
            Some((Access::Admin, "admin:events".into()))
        );
        assert_eq!(
            topics.resolve("user:ann", None),
            Some((Access::Anyone, "user:ann".into()))
        );
        assert_eq!(topics.resolve("admin:secrets", None), None);
        assert_eq!(topics.resolve("user:", None), None);
        assert_eq!(topics.resolve("whatever", None), None);
        assert_eq!(
            topics.resolve("home_wide:ann", Some("bob")),
            None,
            "a source"
        );
    }

    #[test]
    fn own_topics_are_named_back_as_the_client_named_them() {
        let topics = topics();
        assert_eq!(topics.client_topic("home:ann"), "home");
        assert_eq!(topics.client_topic("user:ann"), "user:ann");
        assert_eq!(topics.client_topic("home_wide:star"), "home");
    }
}
