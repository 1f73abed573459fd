//! The commands the write side takes, as `POST /api/commands` names them.

use serde::Deserialize;
use uuid::Uuid;

/// A command, parsed from the envelope's `type` and `payload`. Unknown types and malformed
/// payloads fail to parse, which the API answers 400 before anything runs.
#[derive(Debug, Clone, Deserialize)]
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
    /// Sent by sign-up, never through `/api/commands` (the password is hashed first).
    #[serde(skip)]
    RegisterUser {
        user_id: Uuid,
        handle: String,
        display_name: Option<String>,
        password_hash: String,
    },
    /// Sent at sign-in for `--admin` handles and by `agora admin grant`.
    #[serde(skip)]
    GrantAdmin {
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
            Command::RegisterUser { .. } => "RegisterUser",
            Command::GrantAdmin { .. } => "GrantAdmin",
        }
    }

    /// Parses the contract's `{type, payload}`.
    pub fn parse(command_type: &str, payload: &serde_json::Value) -> Result<Command, String> {
        let payload = if payload.is_null() {
            serde_json::json!({})
        } else {
            payload.clone()
        };
        serde_json::from_value(serde_json::json!({ "type": command_type, "payload": payload }))
            .map_err(|e| format!("{command_type}: {e}"))
    }
}

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
