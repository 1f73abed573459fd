//! The social context says who people are: a person is a registered user stream (`user-<handle>`).

use super::domain::event::SECRET_FIELD;
use super::domain::user::{self, valid_handle, User, UserCommand};
use super::domain::{Actor, Aggregate};
use crate::commands::{CommandBus, CommandError, Origin};
use crate::credentials::Credentials;
use crate::people::{People, Person};
use app::wire::User as WireUser;
use futures::future::BoxFuture;
use serde_json::Value;
use uuid::Uuid;

pub struct SocialPeople;

/// The one-time step that copies password hashes out of old `UserRegistered` events.
const HASHES_FROM_THE_LOG: &str = "password_hashes_from_user_registered_v1";

impl People for SocialPeople {
    fn find<'a>(
        &'a self,
        bus: &'a CommandBus,
        handle: &'a str,
    ) -> BoxFuture<'a, Result<Option<Person>, CommandError>> {
        Box::pin(async move {
            if !valid_handle(handle) {
                return Ok(None);
            }
            let (state, _) = bus.load::<User>(&user::stream(handle)).await?;
            Ok(state.registered.map(|profile| Person {
                is_admin: profile.is_admin,
                user: WireUser {
                    id: profile.user_id,
                    handle: profile.handle,
                    display_name: profile.display_name,
                },
            }))
        })
    }

    fn grant_admin<'a>(
        &'a self,
        bus: &'a CommandBus,
        handle: &'a str,
        by: &'a str,
    ) -> BoxFuture<'a, Result<u64, CommandError>> {
        Box::pin(async move {
            let origin = Origin::new(Uuid::now_v7(), Actor::system(by));
            let answer = bus
                .submit_to::<User>(
                    "GrantAdmin",
                    user::stream(handle),
                    UserCommand::GrantAdmin,
                    None,
                    &origin,
                )
                .await?;
            Ok(answer.position)
        })
    }

    fn forget<'a>(
        &'a self,
        bus: &'a CommandBus,
        credentials: &'a Credentials,
        handle: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let (state, _) = bus.load::<User>(&user::stream(handle)).await?;
            let user_id = state
                .erased
                .ok_or_else(|| anyhow::anyhow!("@{handle}'s erasure is not in the log yet"))?;
            credentials.forget_password(user_id).await?;
            Ok(())
        })
    }

    fn prepare<'a>(
        &'a self,
        bus: &'a CommandBus,
        credentials: &'a Credentials,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(hashes_from_the_log(bus, credentials))
    }
}

/// Databases written before credentials left the log hold each hash in its `UserRegistered` v1
/// event. The upcaster hides it from every read; this copies it into the credentials table, once.
async fn hashes_from_the_log(bus: &CommandBus, credentials: &Credentials) -> anyhow::Result<()> {
    if credentials.step_done(HASHES_FROM_THE_LOG).await? {
        return Ok(());
    }
    let store = bus.store();
    let (mut after, mut copied) = (0, 0);
    loop {
        // The log itself, by position: this runs before the projectors (and the event index) start.
        let (page, read_to) = store
            .read_type_as_stored("UserRegistered", after, 1000)
            .await?;
        if read_to == after {
            break;
        }
        after = read_to;
        for event in page.iter().filter(|e| e.schema < 2) {
            let hash = event.data.get(SECRET_FIELD).and_then(Value::as_str);
            let user_id = event
                .data
                .get("user_id")
                .and_then(Value::as_str)
                .and_then(|id| Uuid::parse_str(id).ok());
            if let (Some(hash), Some(user_id)) = (hash, user_id) {
                credentials.keep_password_if_none(user_id, hash).await?;
                copied += 1;
            }
        }
    }
    if copied > 0 {
        tracing::info!(copied, "password hashes copied out of old events");
    }
    // Snapshots of the user's first shape held the hash too.
    let dropped = store
        .drop_snapshots_below("user", <User as Aggregate>::STATE_SHAPE)
        .await?;
    if dropped > 0 {
        tracing::info!(
            dropped,
            "user snapshots of the shape with a password hash dropped"
        );
    }
    credentials.mark_step_done(HASHES_FROM_THE_LOG).await?;
    Ok(())
}
