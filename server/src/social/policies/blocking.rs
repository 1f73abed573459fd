//! A block ends follows both ways: when someone blocks a person, the follows between the two end,
//! as two `Unfollow` commands caused by the block (visible in the admin's causation chain).

use crate::commands::{CommandBus, CommandError};
use crate::policies::{Issue, Policy};
use app::wire::Envelope;
use futures::future::BoxFuture;
use serde_json::{json, Value};

pub struct Blocking;

impl Policy for Blocking {
    fn name(&self) -> &'static str {
        "blocking"
    }

    fn react<'a>(
        &'a self,
        _bus: &'a CommandBus,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<Vec<Issue>, CommandError>> {
        Box::pin(async move {
            if event.event_type != "UserBlocked" {
                return Ok(vec![]);
            }
            let handle = |field: &str| event.data.get(field).and_then(Value::as_str);
            let (Some(by), Some(blocked)) = (handle("by"), handle("blocked")) else {
                return Ok(vec![]);
            };
            let unfollow = |follower: &str, followee: &str| Issue {
                command_type: "Unfollow",
                payload: json!({ "handle": followee, "follower": follower }),
            };
            Ok(vec![unfollow(by, blocked), unfollow(blocked, by)])
        })
    }
}
