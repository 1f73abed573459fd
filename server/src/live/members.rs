//! Which member topics each source topic reaches (see [`super::Membership`]): the hub's routing
//! for changes written once and read by many (home's most-followed authors).

use super::Membership;
use std::collections::{BTreeSet, HashMap, HashSet};

#[derive(Default)]
pub(super) struct Members {
    /// Source topic → the member topics its changes reach.
    reached: HashMap<String, HashSet<String>>,
    /// Member topic → its sources.
    sources: HashMap<String, BTreeSet<String>>,
}

impl Members {
    pub(super) fn apply(&mut self, membership: &Membership) {
        let Membership { member, source, .. } = membership;
        if membership.joined {
            self.reached
                .entry(source.clone())
                .or_default()
                .insert(member.clone());
            self.sources
                .entry(member.clone())
                .or_default()
                .insert(source.clone());
            return;
        }
        if let Some(members) = self.reached.get_mut(source) {
            members.remove(member);
        }
        if let Some(sources) = self.sources.get_mut(member) {
            sources.remove(source);
        }
    }

    /// Replaces every membership of the sources of one family (`family:<parameter>`) with `pairs`
    /// of (member, source): what a projector's tables hold at its start, or at a rebuild's takeover.
    pub(super) fn replace(&mut self, family: &str, pairs: Vec<(String, String)>) {
        let of_family = |source: &str| {
            source
                .strip_prefix(family)
                .is_some_and(|rest| rest.starts_with(':'))
        };
        self.reached.retain(|source, _| !of_family(source));
        for sources in self.sources.values_mut() {
            sources.retain(|source| !of_family(source));
        }
        self.sources.retain(|_, sources| !sources.is_empty());
        for (member, source) in pairs {
            self.apply(&Membership {
                member,
                source,
                position: 0,
                joined: true,
                refetch: false,
            });
        }
    }

    /// The member topics a source's changes reach.
    pub(super) fn reached(&self, source: &str) -> impl Iterator<Item = &String> {
        self.reached.get(source).into_iter().flatten()
    }

    /// The sources whose changes also reach `member`.
    pub(super) fn sources(&self, member: &str) -> Vec<String> {
        self.sources
            .get(member)
            .map(|sources| sources.iter().cloned().collect())
            .unwrap_or_default()
    }
}
