//! Which topics exist and who may read them.

/// What a topic needs of its subscriber.
#[derive(Debug, PartialEq, Eq)]
pub enum Access {
    Anyone,
    SignedIn,
    Admin,
}

/// The access a topic needs, and the hub's name for it (`home` is per user: `home:<handle>`).
/// `None` for a topic that does not exist.
pub fn resolve(topic: &str, viewer: Option<&str>) -> Option<(Access, String)> {
    let (prefix, rest) = topic.split_once(':').unwrap_or((topic, ""));
    match (prefix, rest.is_empty()) {
        ("public", true) => Some((Access::Anyone, topic.to_owned())),
        ("user" | "post" | "tag", false) => Some((Access::Anyone, topic.to_owned())),
        ("home" | "notifications", true) => Some((
            Access::SignedIn,
            format!("{topic}:{}", viewer.unwrap_or_default()),
        )),
        ("admin", false) if matches!(rest, "events" | "projections") => {
            Some((Access::Admin, topic.to_owned()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_resolve_with_their_access() {
        assert_eq!(
            resolve("public", None),
            Some((Access::Anyone, "public".into()))
        );
        assert_eq!(
            resolve("home", Some("ann")),
            Some((Access::SignedIn, "home:ann".into()))
        );
        assert_eq!(
            resolve("admin:events", None),
            Some((Access::Admin, "admin:events".into()))
        );
        assert_eq!(resolve("admin:secrets", None), None);
        assert_eq!(resolve("user:", None), None);
        assert_eq!(resolve("whatever", None), None);
    }
}
