//! The post aggregate, one stream per post (`post-<uuid>`): creation, edits, deletion, reports,
//! hiding.

use super::text::{parse, validate_post_text};
use super::{Actor, Aggregate, Event, Rule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostState {
    pub created: Option<Created>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub post_id: Uuid,
    pub author: String,
    /// The current text, so an edit that changes nothing appends nothing. Snapshots taken before
    /// it existed read it as empty (and are ignored anyway: see `STATE_SHAPE`).
    #[serde(default)]
    pub text: String,
    pub deleted: bool,
    pub hidden: bool,
    /// Who reported the post: each reporter counts once.
    pub reporters: BTreeSet<String>,
}

impl Created {
    pub fn visible(&self) -> bool {
        !self.deleted && !self.hidden
    }
}

/// What the command bus found of the post a reply answers (the domain does no reads itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    pub post_id: Uuid,
    pub visible: bool,
    /// The parent's author has blocked the replier.
    pub blocks_author: bool,
}

#[derive(Debug, Clone)]
pub enum PostCommand {
    Create {
        post_id: Uuid,
        author: String,
        text: String,
        reply_to: Option<Parent>,
    },
    /// Only the author edits, admins included: an edit speaks in the author's name.
    Edit {
        actor: Actor,
        text: String,
    },
    Delete {
        actor: Actor,
    },
    Report {
        reporter: String,
        reason: String,
    },
    Hide {
        reason: String,
    },
}

pub struct Post;

pub fn stream(post_id: Uuid) -> String {
    format!("post-{post_id}")
}

pub const MAX_REASON: usize = 200;

impl Aggregate for Post {
    type State = PostState;
    type Command = PostCommand;
    type Event = Event;

    /// 2 since `Created` gained `text`: older snapshots lack it, so they are ignored and the stream
    /// is folded from its start.
    const STATE_SHAPE: u32 = 2;

    fn begins_stream(command: &PostCommand) -> bool {
        matches!(command, PostCommand::Create { .. })
    }

    fn decide(state: &PostState, command: &PostCommand) -> Result<Vec<Event>, Rule> {
        let post = match (command, &state.created) {
            (PostCommand::Create { .. }, Some(_)) => {
                return Err(Rule::Conflict("a post with this id exists".into()))
            }
            (
                PostCommand::Create {
                    post_id,
                    author,
                    text,
                    reply_to,
                },
                None,
            ) => return create(*post_id, author, text, reply_to.as_ref()),
            (_, None) => return Err(Rule::NotFound("no such post".into())),
            (_, Some(post)) if post.deleted => return Err(Rule::NotFound("no such post".into())),
            (_, Some(post)) => post,
        };
        match command {
            PostCommand::Create { .. } => unreachable!("handled above"),
            PostCommand::Edit { .. } if post.hidden => Err(Rule::NotFound("no such post".into())),
            PostCommand::Edit { actor, .. } if actor.handle != post.author => {
                Err(Rule::Forbidden("only the author may edit a post".into()))
            }
            PostCommand::Edit { text, .. } => edit(post, text),
            PostCommand::Delete { actor } if actor.handle == post.author || actor.is_admin => {
                Ok(vec![Event::PostDeleted {
                    post_id: post.post_id,
                    by: actor.handle.clone(),
                }])
            }
            PostCommand::Delete { .. } => Err(Rule::Forbidden(
                "only the author or an admin may delete a post".into(),
            )),
            PostCommand::Report { .. } if post.hidden => Err(Rule::NotFound("no such post".into())),
            PostCommand::Report { reporter, .. } if *reporter == post.author => {
                Err(Rule::Refused("you cannot report your own post".into()))
            }
            PostCommand::Report { reporter, .. } if post.reporters.contains(reporter) => {
                Err(Rule::Refused("you have reported this post already".into()))
            }
            PostCommand::Report { reporter, reason } => Ok(vec![Event::PostReported {
                post_id: post.post_id,
                reporter: reporter.clone(),
                reason: reason_text(reason)?,
            }]),
            PostCommand::Hide { .. } if post.hidden => Ok(vec![]),
            PostCommand::Hide { reason } => Ok(vec![Event::PostHidden {
                post_id: post.post_id,
                reason: reason_text(reason)?,
            }]),
        }
    }

    fn evolve(mut state: PostState, event: &Event) -> PostState {
        match (event, state.created.as_mut()) {
            (
                Event::PostCreated {
                    post_id,
                    author,
                    text,
                    ..
                },
                None,
            ) => {
                state.created = Some(Created {
                    post_id: *post_id,
                    author: author.clone(),
                    text: text.clone(),
                    deleted: false,
                    hidden: false,
                    reporters: BTreeSet::new(),
                });
            }
            (Event::PostEdited { text, .. }, Some(post)) => post.text = text.clone(),
            (Event::PostDeleted { .. }, Some(post)) => post.deleted = true,
            (Event::PostHidden { .. }, Some(post)) => post.hidden = true,
            (Event::PostReported { reporter, .. }, Some(post)) => {
                post.reporters.insert(reporter.clone());
            }
            _ => {}
        }
        state
    }
}

fn create(
    post_id: Uuid,
    author: &str,
    text: &str,
    reply_to: Option<&Parent>,
) -> Result<Vec<Event>, Rule> {
    let text = validate_post_text(text)?;
    if let Some(parent) = reply_to {
        if !parent.visible {
            return Err(Rule::Refused("the post you reply to is not there".into()));
        }
        if parent.blocks_author {
            return Err(Rule::Refused(
                "you cannot reply to someone who blocked you".into(),
            ));
        }
    }
    let parsed = parse(&text);
    Ok(vec![Event::PostCreated {
        post_id,
        author: author.to_owned(),
        text,
        reply_to: reply_to.map(|parent| parent.post_id),
        mentions: parsed.mentions,
        tags: parsed.tags,
    }])
}

/// The same text rules as a creation; mentions and tags are parsed again from the new text.
fn edit(post: &Created, text: &str) -> Result<Vec<Event>, Rule> {
    let text = validate_post_text(text)?;
    if text == post.text {
        return Ok(vec![]);
    }
    let parsed = parse(&text);
    Ok(vec![Event::PostEdited {
        post_id: post.post_id,
        author: post.author.clone(),
        text,
        mentions: parsed.mentions,
        tags: parsed.tags,
    }])
}

fn reason_text(reason: &str) -> Result<String, Rule> {
    let reason = reason.trim();
    match reason.chars().count() {
        0 => Err(Rule::Invalid("a reason is needed".into())),
        n if n > MAX_REASON => Err(Rule::Invalid(format!(
            "a reason has at most {MAX_REASON} characters"
        ))),
        _ => Ok(reason.to_owned()),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod snapshot_properties {
    use super::*;
    use proptest::prelude::*;

    const ID: Uuid = Uuid::from_u128(9);

    fn event(kind: u8, who: u8) -> Event {
        match kind {
            0 => Event::PostReported {
                post_id: ID,
                reporter: format!("user{who}"),
                reason: "r".into(),
            },
            1 => Event::PostHidden {
                post_id: ID,
                reason: "h".into(),
            },
            _ => Event::PostDeleted {
                post_id: ID,
                by: format!("user{who}"),
            },
        }
    }

    proptest! {
        /// A snapshot (stored as JSON) plus the events after it folds to the same state as the whole
        /// history, wherever the snapshot was taken.
        #[test]
        fn snapshot_plus_tail_equals_full_replay(
            history in prop::collection::vec((0u8..3, 0u8..6), 0..40),
            cut in any::<prop::sample::Index>(),
        ) {
            let created = Event::PostCreated {
                post_id: ID, author: "ann".into(), text: "t".into(), reply_to: None, mentions: vec![], tags: vec![],
            };
            let events: Vec<Event> = std::iter::once(created).chain(history.iter().map(|(k, w)| event(*k, *w))).collect();
            let cut = cut.index(events.len() + 1);
            let stored = serde_json::to_value(Post::replay(&events[..cut])).unwrap();
            let from_snapshot = events[cut..].iter().fold(serde_json::from_value(stored).unwrap(), Post::evolve);
            prop_assert_eq!(from_snapshot, Post::replay(&events));
        }
    }
}
