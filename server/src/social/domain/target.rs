//! What the command bus found of the post a like or a repost is aimed at: the domain does no reads,
//! so the facts that live in the post's and the relations' streams are passed in.

/// The post a like or a repost is aimed at, as the caller found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The post's author, carried into the event so read models can notify without a lookup.
    pub author: String,
    /// The post exists and is neither deleted nor hidden.
    pub visible: bool,
    /// The post's author and the actor have a block between them, either way.
    pub blocked: bool,
}
