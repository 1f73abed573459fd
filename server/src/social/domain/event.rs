//! Every event type of the social context, its current schema version, and the upcaster that lifts
//! older versions.
//!
//! An event is stored as `{type, schema, data}`: `type` and `data` are this enum's serde tag and
//! content, `schema` is [`Event::schema`]. When a type's data shape changes, its schema number goes up
//! and [`upcast`] learns to turn the old shape into the new one, so stored events never change.

use crate::aggregate::{from_tagged, tagged_data, DomainEvent};
use crate::store::Personal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    /// The password's hash is not here: secrets never enter the log (`crate::credentials`).
    UserRegistered {
        user_id: Uuid,
        handle: String,
        /// Personal (sealed with the person's key, see [`personal_fields`]): absent once erased.
        #[serde(default)]
        display_name: String,
    },
    /// Only that it changed: the new hash is in the credentials table.
    PasswordChanged {
        handle: String,
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
    /// The person is forgotten: their key is destroyed, so their personal data reads as absent
    /// everywhere, and read models drop what they had copied of it.
    UserErased {
        user_id: Uuid,
        handle: String,
    },
    PostCreated {
        post_id: Uuid,
        author: String,
        #[serde(default)]
        text: String,
        reply_to: Option<Uuid>,
        #[serde(default)]
        mentions: Vec<String>,
        #[serde(default)]
        tags: Vec<String>,
    },
    PostDeleted {
        post_id: Uuid,
        by: String,
    },
    PostReported {
        post_id: Uuid,
        reporter: String,
        #[serde(default)]
        reason: String,
    },
    PostHidden {
        post_id: Uuid,
        reason: String,
    },
    /// The whole new text, with its mentions and tags parsed again: read models never re-parse.
    PostEdited {
        post_id: Uuid,
        /// Whose words these are (edits written before sealing lack it, and stay in the open).
        #[serde(default)]
        author: String,
        #[serde(default)]
        text: String,
        #[serde(default)]
        mentions: Vec<String>,
        #[serde(default)]
        tags: Vec<String>,
    },
    /// `author` is the post's author, so a read model can notify without a lookup.
    PostLiked {
        post_id: Uuid,
        by: String,
        author: String,
    },
    PostUnliked {
        post_id: Uuid,
        by: String,
        author: String,
    },
    PostReposted {
        post_id: Uuid,
        by: String,
        author: String,
    },
    UserFollowed {
        follower: String,
        followee: String,
    },
    UserUnfollowed {
        follower: String,
        followee: String,
    },
    UserMuted {
        by: String,
        muted: String,
    },
    UserUnmuted {
        by: String,
        muted: String,
    },
    UserBlocked {
        by: String,
        blocked: String,
    },
    UserUnblocked {
        by: String,
        blocked: String,
    },
    /// Every notification at or before the position `up_to` is read.
    NotificationsRead {
        handle: String,
        up_to: u64,
    },
}

/// Every type name of [`Event`] (a test checks that each variant's name is here).
pub const TYPES: &[&str] = &[
    "UserRegistered",
    "PasswordChanged",
    "ProfileUpdated",
    "AdminGranted",
    "UserErased",
    "PostCreated",
    "PostDeleted",
    "PostReported",
    "PostHidden",
    "PostEdited",
    "PostLiked",
    "PostUnliked",
    "PostReposted",
    "UserFollowed",
    "UserUnfollowed",
    "UserMuted",
    "UserUnmuted",
    "UserBlocked",
    "UserUnblocked",
    "NotificationsRead",
];

impl Event {
    /// The name stored in the envelope's `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::UserRegistered { .. } => "UserRegistered",
            Event::PasswordChanged { .. } => "PasswordChanged",
            Event::ProfileUpdated { .. } => "ProfileUpdated",
            Event::AdminGranted { .. } => "AdminGranted",
            Event::UserErased { .. } => "UserErased",
            Event::PostCreated { .. } => "PostCreated",
            Event::PostDeleted { .. } => "PostDeleted",
            Event::PostReported { .. } => "PostReported",
            Event::PostHidden { .. } => "PostHidden",
            Event::PostEdited { .. } => "PostEdited",
            Event::PostLiked { .. } => "PostLiked",
            Event::PostUnliked { .. } => "PostUnliked",
            Event::PostReposted { .. } => "PostReposted",
            Event::UserFollowed { .. } => "UserFollowed",
            Event::UserUnfollowed { .. } => "UserUnfollowed",
            Event::UserMuted { .. } => "UserMuted",
            Event::UserUnmuted { .. } => "UserUnmuted",
            Event::UserBlocked { .. } => "UserBlocked",
            Event::UserUnblocked { .. } => "UserUnblocked",
            Event::NotificationsRead { .. } => "NotificationsRead",
        }
    }
}

impl DomainEvent for Event {
    fn type_name(&self) -> &'static str {
        Event::type_name(self)
    }

    fn schema(&self) -> u32 {
        current_schema(self.type_name())
    }

    fn data(&self) -> Value {
        tagged_data(self)
    }

    fn from_parts(event_type: &str, data: &Value) -> Result<Event, serde_json::Error> {
        from_tagged(event_type, data)
    }

    fn knows(event_type: &str) -> bool {
        TYPES.contains(&event_type)
    }
}

/// The personal fields of a social event and whose they are: the store seals them with that
/// person's key (`crate::store::PersonalData`). Handles stay open: they are the ids that streams and
/// other people's events name (docs/privacy.md).
pub fn personal_fields(event_type: &str, data: &Value) -> Option<Personal> {
    let (owner, fields): (&str, &'static [&'static str]) = match event_type {
        "UserRegistered" => ("handle", &["display_name"]),
        "ProfileUpdated" => ("handle", &["display_name", "bio"]),
        "PostCreated" => ("author", &["text", "mentions", "tags"]),
        "PostEdited" => ("author", &["text", "mentions", "tags"]),
        "PostReported" => ("reporter", &["reason"]),
        _ => return None,
    };
    let subject = data.get(owner)?.as_str().filter(|s| !s.is_empty())?;
    Some(Personal {
        subject: subject.to_owned(),
        fields,
    })
}

/// The field of `UserRegistered` v1 that held the password's hash.
pub const SECRET_FIELD: &str = "password_hash";

/// The current schema version of each event type.
pub fn current_schema(event_type: &str) -> u32 {
    match event_type {
        // v1 had no `mentions` and `tags`: they were parsed from the text at read time.
        "PostCreated" => 2,
        // v1 carried the password's argon2 hash: a secret in a log that other systems read.
        "UserRegistered" => 2,
        _ => 1,
    }
}

/// Lifts stored data of an older schema to the current one. Pure: the same input gives the same output.
pub fn upcast(event_type: &str, schema: u32, mut data: Value) -> (u32, Value) {
    if event_type == "UserRegistered" && schema < 2 {
        if let Some(object) = data.as_object_mut() {
            object.remove(SECRET_FIELD);
        }
        return (2, data);
    }
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
#[path = "event_tests.rs"]
mod tests;
