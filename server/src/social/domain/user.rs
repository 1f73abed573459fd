//! The user aggregate, one stream per handle (`user-<handle>`): registration, profile, admin role.

use super::{Aggregate, Event, Rule};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const MAX_DISPLAY_NAME: usize = 50;
pub const MAX_BIO: usize = 300;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserState {
    pub registered: Option<Profile>,
    /// The id of the person once erased: the handle is never given again.
    #[serde(default)]
    pub erased: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub user_id: Uuid,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub is_admin: bool,
}

#[derive(Debug, Clone)]
pub enum UserCommand {
    /// The password never reaches the domain: its hash is stored beside the log (`crate::credentials`).
    Register {
        user_id: Uuid,
        handle: String,
        display_name: Option<String>,
    },
    /// Records that the password changed (the new hash is stored beside the log).
    ChangePassword,
    UpdateProfile {
        display_name: Option<String>,
        bio: Option<String>,
    },
    GrantAdmin,
    /// Forgets the person (their key is destroyed beside the log, see `crate::store::Vault`).
    Erase,
}

pub struct User;

/// The stream of the user with this handle.
pub fn stream(handle: &str) -> String {
    format!("user-{handle}")
}

/// `^[a-z0-9_]{3,20}$`, as the contract has it.
/// Handles nobody can sign up as: they name parts of Agora itself (`fund` is the wallet's
/// community fund).
pub const RESERVED_HANDLES: &[&str] = &["fund", "admin", "system"];

pub fn valid_handle(handle: &str) -> bool {
    (3..=20).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn bounded(field: &str, value: &str, max: usize) -> Result<String, Rule> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Rule::Invalid(format!(
            "{field} has at most {max} characters"
        )));
    }
    Ok(value.to_owned())
}

impl Aggregate for User {
    type State = UserState;
    type Command = UserCommand;
    type Event = Event;

    /// 2: the profile no longer holds a password hash (snapshots of shape 1 did; they are dropped).
    /// 3: an erased person is remembered as erased.
    const STATE_SHAPE: u32 = 3;

    fn begins_stream(command: &UserCommand) -> bool {
        matches!(command, UserCommand::Register { .. })
    }

    fn decide(state: &UserState, command: &UserCommand) -> Result<Vec<Event>, Rule> {
        if state.erased.is_some() {
            return match command {
                UserCommand::Erase => Ok(vec![]),
                UserCommand::Register { handle, .. } => Err(Rule::Conflict(format!(
                    "the handle @{handle} belonged to an erased person and is not given again"
                ))),
                _ => Err(Rule::NotFound("no such user".into())),
            };
        }
        match (command, &state.registered) {
            (
                UserCommand::Register {
                    user_id,
                    handle,
                    display_name,
                },
                None,
            ) => {
                if !valid_handle(handle) {
                    return Err(Rule::Invalid(
                        "a handle is 3 to 20 characters: a-z, 0-9 and _".into(),
                    ));
                }
                if RESERVED_HANDLES.contains(&handle.as_str()) {
                    return Err(Rule::Conflict(format!("the handle @{handle} is reserved")));
                }
                let display_name = match display_name.as_deref().map(str::trim) {
                    Some(name) if !name.is_empty() => {
                        bounded("display_name", name, MAX_DISPLAY_NAME)?
                    }
                    _ => handle.clone(),
                };
                Ok(vec![Event::UserRegistered {
                    user_id: *user_id,
                    handle: handle.clone(),
                    display_name,
                }])
            }
            (UserCommand::Register { handle, .. }, Some(_)) => {
                Err(Rule::Conflict(format!("the handle @{handle} is taken")))
            }
            (_, None) => Err(Rule::NotFound("no such user".into())),
            (UserCommand::UpdateProfile { display_name, bio }, Some(profile)) => {
                let display_name = display_name
                    .as_deref()
                    .map(|name| bounded("display_name", name, MAX_DISPLAY_NAME))
                    .transpose()?
                    .filter(|name| !name.is_empty() && *name != profile.display_name);
                let bio = bio
                    .as_deref()
                    .map(|bio| bounded("bio", bio, MAX_BIO))
                    .transpose()?
                    .filter(|bio| *bio != profile.bio);
                if display_name.is_none() && bio.is_none() {
                    return Ok(vec![]);
                }
                Ok(vec![Event::ProfileUpdated {
                    handle: profile.handle.clone(),
                    display_name,
                    bio,
                }])
            }
            (UserCommand::ChangePassword, Some(profile)) => Ok(vec![Event::PasswordChanged {
                handle: profile.handle.clone(),
            }]),
            (UserCommand::Erase, Some(profile)) => Ok(vec![Event::UserErased {
                user_id: profile.user_id,
                handle: profile.handle.clone(),
            }]),
            (UserCommand::GrantAdmin, Some(profile)) if profile.is_admin => Ok(vec![]),
            (UserCommand::GrantAdmin, Some(profile)) => Ok(vec![Event::AdminGranted {
                handle: profile.handle.clone(),
            }]),
        }
    }

    fn evolve(mut state: UserState, event: &Event) -> UserState {
        match (event, state.registered.as_mut()) {
            (
                Event::UserRegistered {
                    user_id,
                    handle,
                    display_name,
                },
                _,
            ) => {
                state.registered = Some(Profile {
                    user_id: *user_id,
                    handle: handle.clone(),
                    display_name: display_name.clone(),
                    bio: String::new(),
                    is_admin: false,
                });
            }
            (
                Event::ProfileUpdated {
                    display_name, bio, ..
                },
                Some(profile),
            ) => {
                if let Some(name) = display_name {
                    profile.display_name = name.clone();
                }
                if let Some(bio) = bio {
                    profile.bio = bio.clone();
                }
            }
            (Event::AdminGranted { .. }, Some(profile)) => profile.is_admin = true,
            (Event::UserErased { user_id, .. }, _) => {
                state.registered = None;
                state.erased = Some(*user_id);
            }
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::harness::given;

    fn registered() -> Event {
        Event::UserRegistered {
            user_id: Uuid::nil(),
            handle: "ann".into(),
            display_name: "Ann".into(),
        }
    }

    fn register(handle: &str, display_name: Option<&str>) -> UserCommand {
        UserCommand::Register {
            user_id: Uuid::nil(),
            handle: handle.into(),
            display_name: display_name.map(Into::into),
        }
    }

    #[test]
    fn a_new_handle_registers_with_its_display_name() {
        given::<User>(&[])
            .when(register("ann", Some(" Ann ")))
            .then(&[registered()]);
    }

    #[test]
    fn without_a_display_name_the_handle_stands_in() {
        given::<User>(&[])
            .when(register("bob", None))
            .then(&[Event::UserRegistered {
                user_id: Uuid::nil(),
                handle: "bob".into(),
                display_name: "bob".into(),
            }]);
    }

    #[test]
    fn a_reserved_handle_is_refused() {
        given::<User>(&[])
            .when(register("fund", None))
            .then_refused_as(Rule::Conflict);
    }

    #[test]
    fn a_taken_handle_is_refused() {
        given::<User>(&[registered()])
            .when(register("ann", None))
            .then_refused_as(Rule::Conflict);
    }

    #[test]
    fn bad_handles_are_invalid() {
        for handle in ["an", "Ann", "ann-b", "a_very_long_handle_over_20"] {
            given::<User>(&[])
                .when(register(handle, None))
                .then_refused_as(Rule::Invalid);
        }
    }

    #[test]
    fn a_profile_update_records_only_what_changed() {
        given::<User>(&[registered()])
            .when(UserCommand::UpdateProfile {
                display_name: Some("Ann".into()),
                bio: Some("hi".into()),
            })
            .then(&[Event::ProfileUpdated {
                handle: "ann".into(),
                display_name: None,
                bio: Some("hi".into()),
            }]);
    }

    #[test]
    fn an_update_that_changes_nothing_appends_nothing() {
        given::<User>(&[registered()])
            .when(UserCommand::UpdateProfile {
                display_name: Some("Ann".into()),
                bio: None,
            })
            .then(&[]);
    }

    #[test]
    fn profile_fields_are_bounded() {
        given::<User>(&[registered()])
            .when(UserCommand::UpdateProfile {
                display_name: Some("x".repeat(51)),
                bio: None,
            })
            .then_refused_as(Rule::Invalid);
        given::<User>(&[registered()])
            .when(UserCommand::UpdateProfile {
                display_name: None,
                bio: Some("x".repeat(301)),
            })
            .then_refused_as(Rule::Invalid);
    }

    #[test]
    fn an_unknown_user_cannot_update_a_profile() {
        given::<User>(&[])
            .when(UserCommand::UpdateProfile {
                display_name: None,
                bio: Some("hi".into()),
            })
            .then_refused_as(Rule::NotFound);
    }

    #[test]
    fn a_password_change_is_recorded_without_the_password() {
        given::<User>(&[registered()])
            .when(UserCommand::ChangePassword)
            .then(&[Event::PasswordChanged {
                handle: "ann".into(),
            }]);
        given::<User>(&[])
            .when(UserCommand::ChangePassword)
            .then_refused_as(Rule::NotFound);
    }

    #[test]
    fn an_erased_person_is_gone_and_their_handle_is_not_given_again() {
        let erased = Event::UserErased {
            user_id: Uuid::nil(),
            handle: "ann".into(),
        };
        given::<User>(&[registered()])
            .when(UserCommand::Erase)
            .then(std::slice::from_ref(&erased));
        given::<User>(&[registered(), erased.clone()])
            .when(UserCommand::Erase)
            .then(&[]);
        given::<User>(&[registered(), erased.clone()])
            .when(register("ann", None))
            .then_refused_as(Rule::Conflict);
        given::<User>(&[registered(), erased])
            .when(UserCommand::UpdateProfile {
                display_name: None,
                bio: Some("back".into()),
            })
            .then_refused_as(Rule::NotFound);
        given::<User>(&[])
            .when(UserCommand::Erase)
            .then_refused_as(Rule::NotFound);
    }

    #[test]
    fn granting_admin_twice_grants_once() {
        let granted = Event::AdminGranted {
            handle: "ann".into(),
        };
        given::<User>(&[registered()])
            .when(UserCommand::GrantAdmin)
            .then(std::slice::from_ref(&granted));
        given::<User>(&[registered(), granted])
            .when(UserCommand::GrantAdmin)
            .then(&[]);
    }
}
