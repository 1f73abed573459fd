//! The social commands as `POST /api/commands` names them: parsed from the envelope's `type` and
//! `payload`.

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// A command, parsed from the envelope's `type` and `payload`. Unknown types and malformed
/// payloads fail to parse, which the API answers 400 before anything runs.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", content = "payload")]
pub enum Command {
    CreatePost {
        #[serde(default)]
        post_id: Option<Uuid>,
        text: String,
        #[serde(default)]
        reply_to: Option<Uuid>,
    },
    DeletePost {
        post_id: Uuid,
    },
    UpdateProfile {
        #[serde(default)]
        display_name: Option<String>,
        #[serde(default)]
        bio: Option<String>,
    },
    ReportPost {
        post_id: Uuid,
        reason: String,
    },
    HidePost {
        post_id: Uuid,
        reason: String,
    },
    EditPost {
        post_id: Uuid,
        text: String,
    },
    LikePost {
        post_id: Uuid,
    },
    UnlikePost {
        post_id: Uuid,
    },
    Repost {
        post_id: Uuid,
    },
    Follow {
        handle: String,
    },
    Unfollow {
        handle: String,
        /// Whose follow ends, when a policy ends it (a block ends follows both ways); only
        /// system actors may name someone else.
        #[serde(default)]
        follower: Option<String>,
    },
    Mute {
        handle: String,
    },
    Unmute {
        handle: String,
    },
    Block {
        handle: String,
    },
    Unblock {
        handle: String,
    },
    MarkNotificationsRead {
        up_to: u64,
    },
    /// The person themselves, or an admin.
    EraseUser {
        handle: String,
    },
}

impl Command {
    /// The name the contract gives this command.
    pub fn type_name(&self) -> &'static str {
        match self {
            Command::CreatePost { .. } => "CreatePost",
            Command::DeletePost { .. } => "DeletePost",
            Command::UpdateProfile { .. } => "UpdateProfile",
            Command::ReportPost { .. } => "ReportPost",
            Command::HidePost { .. } => "HidePost",
            Command::EditPost { .. } => "EditPost",
            Command::LikePost { .. } => "LikePost",
            Command::UnlikePost { .. } => "UnlikePost",
            Command::Repost { .. } => "Repost",
            Command::Follow { .. } => "Follow",
            Command::Unfollow { .. } => "Unfollow",
            Command::Mute { .. } => "Mute",
            Command::Unmute { .. } => "Unmute",
            Command::Block { .. } => "Block",
            Command::Unblock { .. } => "Unblock",
            Command::MarkNotificationsRead { .. } => "MarkNotificationsRead",
            Command::EraseUser { .. } => "EraseUser",
        }
    }

    /// Parses the contract's `{type, payload}`.
    pub fn parse(command_type: &str, payload: &Value) -> Result<Command, String> {
        let payload = if payload.is_null() {
            serde_json::json!({})
        } else {
            payload.clone()
        };
        serde_json::from_value(serde_json::json!({ "type": command_type, "payload": payload }))
            .map_err(|e| format!("{command_type}: {e}"))
    }
}

/// Every type [`Command`] parses.
pub const TYPES: &[&str] = &[
    "CreatePost",
    "DeletePost",
    "UpdateProfile",
    "ReportPost",
    "HidePost",
    "EditPost",
    "LikePost",
    "UnlikePost",
    "Repost",
    "Follow",
    "Unfollow",
    "Mute",
    "Unmute",
    "Block",
    "Unblock",
    "MarkNotificationsRead",
    "EraseUser",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_known_command_parses() {
        let command = Command::parse("CreatePost", &json!({"text": "hi"})).unwrap();
        assert!(matches!(command, Command::CreatePost { text, post_id: None, .. } if text == "hi"));
    }

    #[test]
    fn every_type_parses_and_the_list_is_complete() {
        for command_type in TYPES {
            let error = Command::parse(command_type, &json!({}))
                .err()
                .unwrap_or_default();
            assert!(
                !error.contains("unknown variant"),
                "{command_type}: {error}"
            );
        }
    }

    #[test]
    fn unknown_and_internal_types_are_refused() {
        assert!(Command::parse("LaunchRocket", &json!({})).is_err());
        assert!(Command::parse("RegisterUser", &json!({"handle": "ann"})).is_err());
        assert!(Command::parse("GrantAdmin", &json!({"handle": "ann"})).is_err());
    }

    #[test]
    fn a_malformed_payload_is_refused() {
        assert!(Command::parse("CreatePost", &json!({"text": 5})).is_err());
        assert!(Command::parse("DeletePost", &json!({"post_id": "not-a-uuid"})).is_err());
    }
}
