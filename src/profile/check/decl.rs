//! What one checked file declares, with positions kept for the cross-file pass
//! (duplicates, references) in [`crate::profile::resolve`].

use super::walk::Sp;
use crate::environment::Environment;
use crate::profile::model::{IdentityKind, Service};
use std::time::Duration;

/// Everything one file declares. Invalid parts were reported and left out.
#[derive(Debug, Default)]
pub struct FileDecl {
    pub environments: Vec<(Sp<String>, Environment)>,
    pub identities: Vec<(Sp<String>, IdentityKind)>,
    pub defaults: DefaultsDecl,
    pub tenants: Vec<TenantDecl>,
    /// `tenant_sources:` in file order (SPEC §6).
    pub tenant_sources: Vec<super::source::SourceDecl>,
    pub commands: Vec<(Sp<String>, Vec<StepDecl>)>,
    /// `exemptions:` (SPEC §7).
    pub exemptions: Vec<Sp<crate::expect::Exemption>>,
    /// Every name written in this file, valid or not, so that references to a
    /// name whose definition has its own error are not reported again.
    pub written: Written,
}

/// Names written in a file (see [`FileDecl::written`]).
#[derive(Debug, Default)]
pub struct Written {
    pub environments: Vec<String>,
    pub identities: Vec<String>,
    pub commands: Vec<String>,
    pub default_environment: bool,
    pub default_identity: bool,
    /// Some step's `expect:` had errors (its check ids are unknown).
    pub expect_failed: bool,
}

/// `defaults:` as written in one file.
#[derive(Debug, Default)]
pub struct DefaultsDecl {
    pub environment: Option<Sp<String>>,
    pub identity: Option<Sp<String>>,
    pub service: Option<Sp<Service>>,
    pub concurrency: Option<Sp<usize>>,
    pub timeout: Option<Sp<Duration>>,
    pub step_timeout: Option<Sp<Duration>>,
    pub retries: Option<Sp<u32>>,
    pub read_only: Option<Sp<bool>>,
}

/// One tenant entry.
#[derive(Debug)]
pub struct TenantDecl {
    /// Lower-cased.
    pub id: Sp<String>,
    pub name: Option<String>,
    pub tags: Vec<String>,
    pub identity: Option<Sp<String>>,
    pub environment: Option<Sp<String>>,
    pub anchor_mailbox: Option<String>,
    pub bypass_mailbox_anchoring: bool,
}

/// One step; the service stays `None` until defaults are known.
#[derive(Debug)]
pub struct StepDecl {
    pub cmdlet: Sp<String>,
    pub service: Option<Service>,
    pub parameters: serde_json::Map<String, serde_json::Value>,
    pub select: Vec<String>,
    /// `expect:`, positioned at each id.
    pub expect: Vec<Sp<crate::expect::Expectation>>,
}
