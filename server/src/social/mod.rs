//! The social network: people, posts and what they do with them. Its domain is pure
//! (`domain/`), its read models are projectors (`read_models/`), its policies turn events into
//! commands (`policies/`), and `register` hands all of it to the runtime.

pub mod commands;
pub mod domain;
pub mod people;
pub mod policies;
pub mod read_models;
pub mod routes;
pub mod seed;

use crate::live::topics::{Access, TopicRule};
use crate::registry::Registry;
use std::sync::Arc;

pub fn register(registry: &mut Registry) {
    registry
        .context("social")
        .upcaster(domain::event::upcast)
        .personal_fields(domain::event::personal_fields)
        .aggregate::<domain::user::User>("user")
        .aggregate::<domain::post::Post>("post")
        .aggregate::<domain::like::Like>("like")
        .aggregate::<domain::repost::Repost>("repost")
        .aggregate::<domain::follow::Follow>("follow")
        .aggregate::<domain::relation::Relation>("relation")
        .aggregate::<domain::inbox::Inbox>("inbox")
        .commands(Arc::new(commands::SocialCommands))
        .people(Arc::new(people::SocialPeople))
        .projector(Arc::new(read_models::timeline::TIMELINE))
        .projector(Arc::new(read_models::people::PEOPLE))
        .projector(Arc::new(read_models::notifications::NOTIFICATIONS))
        .projector(Arc::new(read_models::home::HOME))
        .projector(Arc::new(read_models::search::SEARCH))
        .policy(Arc::new(policies::moderation::Moderation))
        .policy(Arc::new(policies::blocking::Blocking))
        .topic(TopicRule::plain("public", Access::Anyone))
        .topic(TopicRule::plain("home", Access::Own))
        .topic(TopicRule::source(read_models::home::SOURCES, "home"))
        .topic(TopicRule::plain("notifications", Access::Own))
        .topic(TopicRule::family("user", Access::Anyone))
        .topic(TopicRule::family("post", Access::Anyone))
        .topic(TopicRule::family("tag", Access::Anyone))
        .routes(routes::routes());
}
