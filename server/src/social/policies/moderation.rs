//! Moderation: when three different people have reported a post, it is hidden.

use crate::commands::{CommandBus, CommandError};
use crate::policies::{Issue, Policy};
use crate::social::domain::post::{self, Post};
use app::wire::Envelope;
use futures::future::BoxFuture;
use uuid::Uuid;

/// Reports by this many different people hide a post.
pub const REPORTS_TO_HIDE: usize = 3;

pub struct Moderation;

impl Policy for Moderation {
    fn name(&self) -> &'static str {
        "moderation"
    }

    fn react<'a>(
        &'a self,
        bus: &'a CommandBus,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<Vec<Issue>, CommandError>> {
        Box::pin(async move {
            if event.event_type != "PostReported" {
                return Ok(vec![]);
            }
            let Some(post_id) = event
                .data
                .get("post_id")
                .and_then(|id| id.as_str())
                .and_then(|id| Uuid::parse_str(id).ok())
            else {
                return Ok(vec![]);
            };
            // The post's state now, not as of the event: a redelivered report decides the same.
            let (state, _) = bus.load::<Post>(&post::stream(post_id)).await?;
            let hide = state
                .created
                .is_some_and(|post| post.visible() && post.reporters.len() >= REPORTS_TO_HIDE);
            Ok(if hide {
                vec![Issue {
                    command_type: "HidePost",
                    payload: serde_json::json!({
                        "post_id": post_id,
                        "reason": format!("reported by {REPORTS_TO_HIDE} people"),
                    }),
                }]
            } else {
                vec![]
            })
        })
    }
}
