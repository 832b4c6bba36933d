//! Combining what the sources reported with the profile's own `tenants:` (SPEC §6):
//! between two sources reporting one tenant the first in profile order wins and tags
//! are united; a `tenants:` entry with the same id (or a domain a source reports)
//! overrides the fields it writes and unites tags. The result is ordered by id.

use super::{Excluded, Resolution, ResolvedTenant, SourceOutcome, PROFILE_SOURCE};
use crate::profile::{Profile, Tenant, WrittenFields};
use std::collections::{BTreeMap, HashMap};

fn unite(into: &mut Vec<String>, more: &[String]) {
    for tag in more {
        if !into.contains(tag) {
            into.push(tag.clone());
        }
    }
}

/// Merge `outcomes` (one per `profile.tenant_sources`, in the same order) with `profile.tenants`.
pub fn merge(profile: &Profile, outcomes: &[SourceOutcome]) -> Resolution {
    let mut by_id: BTreeMap<String, ResolvedTenant> = BTreeMap::new();
    let mut domains: HashMap<String, String> = HashMap::new();
    let mut excluded: Vec<Excluded> = Vec::new();
    for (source, outcome) in profile.tenant_sources.iter().zip(outcomes) {
        for d in &outcome.tenants {
            if let Some(t) = by_id.get_mut(&d.id) {
                unite(&mut t.tags, &source.tags);
                unite(&mut t.tags, &d.tags);
                continue;
            }
            let mut tags = source.tags.clone();
            unite(&mut tags, &d.tags);
            let defaults = &source.tenant_defaults;
            if let Some(domain) = &d.domain {
                domains.entry(domain.clone()).or_insert_with(|| d.id.clone());
            }
            by_id.insert(
                d.id.clone(),
                ResolvedTenant {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    tags,
                    source: source.name.clone(),
                    identity: d.identity.clone().unwrap_or_else(|| defaults.identity.clone()),
                    environment: d.environment.clone().unwrap_or_else(|| defaults.environment.clone()),
                    anchor_mailbox: defaults.anchor_mailbox.clone(),
                    bypass_mailbox_anchoring: defaults.bypass_mailbox_anchoring,
                    roles: d.roles.clone(),
                    warnings: d.warnings.clone(),
                },
            );
        }
        excluded
            .extend(outcome.excluded.iter().map(|e| Excluded { source: source.name.clone(), ..e.clone() }));
    }
    let all_written = WrittenFields {
        name: true,
        identity: true,
        environment: true,
        anchor_mailbox: true,
        bypass_mailbox_anchoring: true,
    };
    for t in &profile.tenants {
        let written = profile.written.get(&t.id).unwrap_or(&all_written);
        let found = if by_id.contains_key(&t.id) { Some(t.id.clone()) } else { domains.get(&t.id).cloned() };
        let resolved = match found.and_then(|k| by_id.remove(&k)) {
            Some(discovered) => override_with(discovered, t, written),
            None => ResolvedTenant {
                source: PROFILE_SOURCE.into(),
                roles: Vec::new(),
                warnings: Vec::new(),
                ..from_tenant(t)
            },
        };
        by_id.insert(t.id.clone(), resolved);
    }
    let mut kept = Vec::new();
    for e in excluded {
        match by_id.get_mut(&e.id) {
            Some(t) if t.source == PROFILE_SOURCE || profile.tenants.iter().any(|p| p.id == e.id) => {
                t.warnings.push(format!(
                    "listed under `tenants:` although source `{}` left it out: {}",
                    e.source, e.reason
                ));
            }
            Some(_) => {}
            None => kept.push(e),
        }
    }
    kept.sort_by(|a, b| (&a.id, &a.source).cmp(&(&b.id, &b.source)));
    Resolution { tenants: by_id.into_values().collect(), excluded: kept }
}

fn from_tenant(t: &Tenant) -> ResolvedTenant {
    ResolvedTenant {
        id: t.id.clone(),
        name: t.name.clone(),
        tags: t.tags.clone(),
        source: PROFILE_SOURCE.into(),
        identity: t.identity.clone(),
        environment: t.environment.clone(),
        anchor_mailbox: t.anchor_mailbox.clone(),
        bypass_mailbox_anchoring: t.bypass_mailbox_anchoring,
        roles: Vec::new(),
        warnings: Vec::new(),
    }
}

/// A discovered tenant with the fields a `tenants:` entry writes taking over.
fn override_with(mut d: ResolvedTenant, t: &Tenant, written: &WrittenFields) -> ResolvedTenant {
    d.id = t.id.clone();
    if written.name || d.name.is_none() {
        d.name = t.name.clone().or(d.name);
    }
    if written.identity {
        d.identity = t.identity.clone();
    }
    if written.environment {
        d.environment = t.environment.clone();
    }
    if written.anchor_mailbox {
        d.anchor_mailbox = t.anchor_mailbox.clone();
        d.bypass_mailbox_anchoring = false;
    }
    if written.bypass_mailbox_anchoring {
        d.bypass_mailbox_anchoring = t.bypass_mailbox_anchoring;
        d.anchor_mailbox = None;
    }
    unite(&mut d.tags, &t.tags);
    d
}
