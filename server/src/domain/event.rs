//! Every event type of Agora, its current schema version, and the upcasters that lift older versions.
//!
//! An event is stored as `{type, schema, data}`: `type` and `data` are this enum's serde tag and
//! content, `schema` is [`Event::schema`]. When a type's data shape changes, its schema number goes up
//! and [`upcast`] learns to turn the old shape into the new one, so stored events never change.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    UserRegistered {
        user_id: Uuid,
        handle: String,
        display_name: String,
        password_hash: String,
    },
    ProfileUpdated {
        handle: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        display_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bio: Option<String>,
    },
    AdminGranted {
        handle: String,
    },
    PostCreated {
        post_id: Uuid,
        author: String,
        text: String,
        reply_to: Option<Uuid>,
        mentions: Vec<String>,
        tags: Vec<String>,
    },
    PostDeleted {
        post_id: Uuid,
        by: String,
    },
    PostReported {
        post_id: Uuid,
        reporter: String,
        reason: String,
    },
    PostHidden {
        post_id: Uuid,
        reason: String,
    },
}

impl Event {
    /// The name stored in the envelope's `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::UserRegistered { .. } => "UserRegistered",
            Event::ProfileUpdated { .. } => "ProfileUpdated",
            Event::AdminGranted { .. } => "AdminGranted",
            Event::PostCreated { .. } => "PostCreated",
            Event::PostDeleted { .. } => "PostDeleted",
            Event::PostReported { .. } => "PostReported",
            Event::PostHidden { .. } => "PostHidden",
        }
    }

    /// The schema version new events of this type are written with.
    pub fn schema(&self) -> u32 {
        current_schema(self.type_name())
    }

    /// Splits the event into the envelope's `type` and `data`.
    pub fn to_parts(&self) -> (&'static str, Value) {
        let mut tagged = serde_json::to_value(self).expect("events serialize");
        let data = tagged
            .get_mut("data")
            .map(Value::take)
            .unwrap_or(Value::Null);
        (self.type_name(), data)
    }

    /// Rebuilds an event from an envelope's `type` and (already upcast) `data`.
    pub fn from_parts(event_type: &str, data: &Value) -> Result<Event, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "type": event_type, "data": data }))
    }
}

/// The current schema version of each event type.
pub fn current_schema(event_type: &str) -> u32 {
    match event_type {
        // v1 had no `mentions` and `tags`: they were parsed from the text at read time.
        "PostCreated" => 2,
        _ => 1,
    }
}

/// Lifts stored data of an older schema to the current one. Pure: the same input gives the same output.
pub fn upcast(event_type: &str, schema: u32, mut data: Value) -> (u32, Value) {
    if event_type == "PostCreated" && schema < 2 {
        let text = data
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let parsed = super::text::parse(&text);
        if let Some(object) = data.as_object_mut() {
            object.insert("mentions".into(), serde_json::json!(parsed.mentions));
            object.insert("tags".into(), serde_json::json!(parsed.tags));
            object.entry("reply_to").or_insert(Value::Null);
        }
        return (2, data);
    }
    (schema, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_round_trips_through_its_parts() {
        let event = Event::PostHidden {
            post_id: Uuid::nil(),
            reason: "spam".into(),
        };
        let (event_type, data) = event.to_parts();
        assert_eq!(event_type, "PostHidden");
        assert_eq!(Event::from_parts(event_type, &data).unwrap(), event);
    }

    #[test]
    fn a_version_one_post_gains_its_mentions_and_tags() {
        let old =
            serde_json::json!({"post_id": Uuid::nil(), "author": "ann", "text": "hi @bob #Rust"});
        let (schema, data) = upcast("PostCreated", 1, old);
        assert_eq!(schema, 2);
        match Event::from_parts("PostCreated", &data).unwrap() {
            Event::PostCreated {
                mentions,
                tags,
                reply_to,
                ..
            } => {
                assert_eq!(mentions, vec!["bob"]);
                assert_eq!(tags, vec!["rust"]);
                assert_eq!(reply_to, None);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn current_data_is_left_alone() {
        let data = serde_json::json!({"handle": "ann"});
        assert_eq!(upcast("AdminGranted", 1, data.clone()), (1, data));
    }
}
