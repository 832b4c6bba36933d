//! Tenant sources (SPEC §6): the tenants a CSP or MSP partner can reach, read from
//! Microsoft Graph (GDAP relationships, DAP-era contracts) or a file, merged with the
//! profile's own `tenants:` and ordered by id, before selection and sharding apply.
//!
//! [`discover`] reads every source of a profile ([`graph`], [`gdap`], [`file`]) and
//! [`merge`] combines them; [`snapshot`] is the run's `tenants.json`, which `--resume`,
//! `check` and `report` read instead of discovering again.

mod csv;
mod file;
pub mod gdap;
pub mod graph;
pub mod merge;
mod read;
pub mod roles;
pub mod snapshot;

pub use merge::merge;
pub use read::{discover, discover_blocking};

use crate::profile::Tenant;
use serde::{Deserialize, Serialize};

/// One tenant as a source reported it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovered {
    /// Lower-case tenant GUID or domain.
    pub id: String,
    pub name: Option<String>,
    /// The row's own tags (a file source); the source's `tags` are added when merging.
    pub tags: Vec<String>,
    /// The row's own identity / environment (a file source).
    pub identity: Option<String>,
    pub environment: Option<String>,
    /// A verified domain the source reports besides the id (`defaultDomainName`).
    pub domain: Option<String>,
    /// Role names (or template ids) its GDAP relationships grant.
    pub roles: Vec<String>,
    pub warnings: Vec<String>,
}

/// A customer a source reported but left out, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// The source's name.
    #[serde(default)]
    pub source: String,
    pub reason: String,
}

/// What one source reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceOutcome {
    pub tenants: Vec<Discovered>,
    pub excluded: Vec<Excluded>,
}

/// The name `source` takes for tenants written under `tenants:` only.
pub const PROFILE_SOURCE: &str = "tenants";

/// A resolved tenant with where it came from (a line of `tenantrun tenants`, an entry of
/// `tenants.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedTenant {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The source's name, or `tenants` for an entry of the profile's own list.
    pub source: String,
    pub identity: String,
    pub environment: String,
    #[serde(default)]
    pub anchor_mailbox: Option<String>,
    #[serde(default)]
    pub bypass_mailbox_anchoring: bool,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl ResolvedTenant {
    /// The tenant the planner and runner use.
    pub fn tenant(&self) -> Tenant {
        Tenant {
            id: self.id.clone(),
            name: self.name.clone(),
            tags: self.tags.clone(),
            identity: self.identity.clone(),
            environment: self.environment.clone(),
            anchor_mailbox: self.anchor_mailbox.clone(),
            bypass_mailbox_anchoring: self.bypass_mailbox_anchoring,
        }
    }
}

/// Every resolved tenant (in id order) and every excluded customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub tenants: Vec<ResolvedTenant>,
    #[serde(default)]
    pub excluded: Vec<Excluded>,
}

impl Resolution {
    /// Replace the profile's tenants with the resolved ones. The built-in `emulator`
    /// identity is added when tenants use it, and only if all of them are on the emulator.
    pub fn apply(&self, profile: &mut crate::profile::Profile) {
        use crate::profile::builtin_identity;
        profile.tenants = self.tenants.iter().map(ResolvedTenant::tenant).collect();
        let users: Vec<&Tenant> =
            profile.tenants.iter().filter(|t| t.identity == builtin_identity::NAME).collect();
        let on_emulator =
            |t: &&Tenant| profile.environments.get(&t.environment).is_some_and(|e| e.is_emulator);
        if !users.is_empty()
            && users.iter().all(on_emulator)
            && !profile.identities.contains_key(builtin_identity::NAME)
        {
            profile.identities.insert(builtin_identity::NAME.into(), builtin_identity::identity());
        }
    }
}

/// Why the tenants could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The source could not be read (sign-in refused, Graph error, missing file): exit 1.
    #[error("tenant source `{name}` ({kind}): {message}")]
    Unreadable { name: String, kind: &'static str, message: String },
    /// A file source has bad rows: located errors, exit 2 (`report` is the rendered list).
    #[error("{report}")]
    BadFile { name: String, report: String },
}
