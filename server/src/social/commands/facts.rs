//! What a command needs to know of other streams before its aggregate decides (the domain does no
//! reads itself): whether a post is visible (not deleted, hidden or erased) and who wrote it, whether a person exists, whether two
//! people have blocked each other.

use crate::commands::{CommandBus, CommandError};
use crate::social::domain::post::{self, Parent, Post};
use crate::social::domain::relation::{self, Relation};
use crate::social::domain::target::Target;
use crate::social::domain::user::{self, valid_handle, User};
use uuid::Uuid;

pub async fn exists(bus: &CommandBus, handle: &str) -> Result<bool, CommandError> {
    if !valid_handle(handle) {
        return Ok(false);
    }
    let (state, _) = bus.load::<User>(&user::stream(handle)).await?;
    Ok(state.registered.is_some())
}

/// Whether `by` has blocked `other`.
async fn has_blocked(bus: &CommandBus, by: &str, other: &str) -> Result<bool, CommandError> {
    let (state, _) = bus.load::<Relation>(&relation::stream(by, other)).await?;
    Ok(state.blocked)
}

/// Whether either of the two has blocked the other.
pub async fn blocked_between(bus: &CommandBus, a: &str, b: &str) -> Result<bool, CommandError> {
    Ok(has_blocked(bus, a, b).await? || has_blocked(bus, b, a).await?)
}

/// The post a like or a repost is about, as `actor` may act on it.
pub async fn target(bus: &CommandBus, post_id: Uuid, actor: &str) -> Result<Target, CommandError> {
    let (state, _) = bus.load::<Post>(&post::stream(post_id)).await?;
    let Some(created) = state.created else {
        return Ok(Target {
            author: String::new(),
            visible: false,
            blocked: false,
        });
    };
    let blocked = blocked_between(bus, &created.author, actor).await?;
    // An erased author's posts are gone for everyone, as deleted ones are.
    let visible = created.visible() && exists(bus, &created.author).await?;
    Ok(Target {
        visible,
        blocked,
        author: created.author,
    })
}

/// The post a reply answers.
pub async fn parent(
    bus: &CommandBus,
    post_id: Uuid,
    replier: &str,
) -> Result<Parent, CommandError> {
    let (state, _) = bus.load::<Post>(&post::stream(post_id)).await?;
    let (visible, blocks_author) = match state.created {
        Some(parent) => (
            parent.visible() && exists(bus, &parent.author).await?,
            has_blocked(bus, &parent.author, replier).await?,
        ),
        None => (false, false),
    };
    Ok(Parent {
        post_id,
        visible,
        blocks_author,
    })
}
