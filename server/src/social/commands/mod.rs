//! The social context's commands: each parsed (`parse.rs`), given the facts its aggregate needs
//! from other streams (`facts.rs`), and run on its aggregate through the command bus. One stream per
//! person and target (`like-<post>.<handle>`, `follow-<a>.<b>`, …), so many people acting on one
//! post or person never contend for one stream.

mod facts;
mod parse;

pub use parse::{Command, TYPES};

use crate::commands::{CommandBus, CommandError, CommandHandler, Executed, Origin};
use crate::social::domain::follow::{self, Follow, FollowCommand};
use crate::social::domain::inbox::{self, Inbox, InboxCommand};
use crate::social::domain::like::{self, Like, LikeCommand};
use crate::social::domain::post::{self, Post, PostCommand};
use crate::social::domain::relation::{self, Relation, RelationCommand};
use crate::social::domain::repost::{self, Repost, RepostCommand};
use crate::social::domain::user::{self, User, UserCommand};
use crate::social::domain::Rule;
use futures::future::BoxFuture;
use serde_json::Value;
use uuid::Uuid;

/// Runs the social commands of the contract.
pub struct SocialCommands;

impl CommandHandler for SocialCommands {
    fn types(&self) -> &'static [&'static str] {
        TYPES
    }

    fn schema(&self) -> Value {
        serde_json::to_value(<Command as utoipa::PartialSchema>::schema()).unwrap_or_default()
    }

    fn run<'a>(
        &'a self,
        bus: &'a CommandBus,
        origin: &'a Origin,
        command_type: &'a str,
        payload: &'a Value,
        expected_version: Option<u64>,
    ) -> BoxFuture<'a, Result<Executed, CommandError>> {
        Box::pin(async move {
            let command = Command::parse(command_type, payload).map_err(Rule::Invalid)?;
            run(bus, origin, command, expected_version).await
        })
    }
}

async fn run(
    bus: &CommandBus,
    origin: &Origin,
    command: Command,
    expected: Option<u64>,
) -> Result<Executed, CommandError> {
    let actor = origin.actor.clone();
    let me = actor.handle.clone();
    let kind = command.type_name();
    match command {
        Command::UpdateProfile { display_name, bio } => {
            let command = UserCommand::UpdateProfile { display_name, bio };
            bus.execute::<User>(user::stream(&me), command, expected, origin)
                .await
        }
        Command::CreatePost {
            post_id,
            text,
            reply_to,
        } => {
            let post_id = post_id.unwrap_or_else(Uuid::now_v7);
            let reply_to = match reply_to {
                Some(parent) => Some(facts::parent(bus, parent, &me).await?),
                None => None,
            };
            let command = PostCommand::Create {
                post_id,
                author: me,
                text,
                reply_to,
            };
            bus.execute::<Post>(post::stream(post_id), command, expected, origin)
                .await
        }
        Command::EditPost { post_id, text } => {
            let command = PostCommand::Edit { actor, text };
            bus.execute::<Post>(post::stream(post_id), command, expected, origin)
                .await
        }
        Command::DeletePost { post_id } => {
            let command = PostCommand::Delete { actor };
            bus.execute::<Post>(post::stream(post_id), command, expected, origin)
                .await
        }
        Command::ReportPost { post_id, reason } => {
            let command = PostCommand::Report {
                reporter: me,
                reason,
            };
            bus.execute::<Post>(post::stream(post_id), command, expected, origin)
                .await
        }
        Command::HidePost { post_id, reason } => {
            if !actor.is_admin {
                return Err(Rule::Forbidden(
                    "only admins and the moderation policy hide posts".into(),
                )
                .into());
            }
            let command = PostCommand::Hide { reason };
            bus.execute::<Post>(post::stream(post_id), command, expected, origin)
                .await
        }
        Command::LikePost { post_id } => {
            let target = facts::target(bus, post_id, &me).await?;
            let stream = like::stream(post_id, &me);
            let command = LikeCommand::Like {
                post_id,
                by: me,
                target,
            };
            bus.execute::<Like>(stream, command, expected, origin).await
        }
        Command::UnlikePost { post_id } => {
            let author = facts::target(bus, post_id, &me).await?.author;
            let stream = like::stream(post_id, &me);
            let command = LikeCommand::Unlike {
                post_id,
                by: me,
                author,
            };
            bus.execute::<Like>(stream, command, expected, origin).await
        }
        Command::Repost { post_id } => {
            let target = facts::target(bus, post_id, &me).await?;
            let stream = repost::stream(post_id, &me);
            let command = RepostCommand::Repost {
                post_id,
                by: me,
                target,
            };
            bus.execute::<Repost>(stream, command, expected, origin)
                .await
        }
        Command::Follow { handle } => {
            let command = FollowCommand::Follow {
                followee_exists: facts::exists(bus, &handle).await?,
                blocked: facts::blocked_between(bus, &me, &handle).await?,
                follower: me.clone(),
                followee: handle.clone(),
            };
            bus.execute::<Follow>(follow::stream(&me, &handle), command, expected, origin)
                .await
        }
        Command::Unfollow { handle, follower } => {
            let follower = match follower {
                Some(other) if other != me && !actor.is_system() => {
                    return Err(Rule::Forbidden("you can only end your own follows".into()).into())
                }
                Some(other) => other,
                None => me,
            };
            let stream = follow::stream(&follower, &handle);
            let command = FollowCommand::Unfollow {
                follower,
                followee: handle,
            };
            bus.execute::<Follow>(stream, command, expected, origin)
                .await
        }
        Command::Mute { handle }
        | Command::Unmute { handle }
        | Command::Block { handle }
        | Command::Unblock { handle } => {
            let (by, other) = (me.clone(), handle.clone());
            let other_exists = facts::exists(bus, &handle).await?;
            let command = match kind {
                "Mute" => RelationCommand::Mute {
                    by,
                    other,
                    other_exists,
                },
                "Unmute" => RelationCommand::Unmute {
                    by,
                    other,
                    other_exists,
                },
                "Block" => RelationCommand::Block {
                    by,
                    other,
                    other_exists,
                },
                _ => RelationCommand::Unblock {
                    by,
                    other,
                    other_exists,
                },
            };
            bus.execute::<Relation>(relation::stream(&me, &handle), command, expected, origin)
                .await
        }
        Command::EraseUser { handle } => erase(bus, origin, &handle, expected).await,
        Command::MarkNotificationsRead { up_to } => {
            // Nothing past the head exists yet to be read: a later notification stays unread.
            let command = InboxCommand::MarkRead {
                handle: me.clone(),
                up_to: up_to.min(bus.store().head()),
            };
            bus.execute::<Inbox>(inbox::stream(&me), command, expected, origin)
                .await
        }
    }
}

/// Forgets a person: decided on their user stream first (so a refusal destroys nothing), then
/// their key is destroyed, then `UserErased` is appended. A crash between the last two leaves the
/// data unreadable and the person still listed; erasing again finishes it.
async fn erase(
    bus: &CommandBus,
    origin: &Origin,
    handle: &str,
    expected: Option<u64>,
) -> Result<Executed, CommandError> {
    let actor = &origin.actor;
    if actor.handle != handle && !actor.is_admin {
        return Err(
            Rule::Forbidden("only the person themselves or an admin erases them".into()).into(),
        );
    }
    if !user::valid_handle(handle) {
        return Err(Rule::NotFound("no such user".into()).into());
    }
    let stream = user::stream(handle);
    let (state, _) = bus.load::<User>(&stream).await?;
    let decided = <User as crate::aggregate::Aggregate>::decide(&state, &UserCommand::Erase)?;
    if !decided.is_empty() {
        bus.store().vault().erase(handle).await?;
        bus.store().drop_snapshot(&stream).await?;
    }
    bus.execute::<User>(stream, UserCommand::Erase, expected, origin)
        .await
}
