//! `tenant_sources:` resolved (SPEC §6): where more tenants come from, with every
//! reference checked and defaults applied. [`crate::discovery`] reads them.

use super::diagnostic::Location;
use std::path::PathBuf;

/// One tenant source, in profile order (files in load order, then order within a file).
#[derive(Debug, Clone, PartialEq)]
pub struct TenantSource {
    /// The name under `tenant_sources:`.
    pub name: String,
    pub kind: SourceKind,
    /// The environment whose Graph a `gdap`/`contracts` source reads.
    pub environment: String,
    /// Added to every tenant of this source.
    pub tags: Vec<String>,
    /// What the source's tenants get unless their own entry says otherwise.
    pub tenant_defaults: SourceTenantDefaults,
    /// Where the source is declared (its name under `tenant_sources:`).
    pub origin: Location,
}

/// Where a source's tenants come from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    /// Active GDAP relationships of `partner_tenant`.
    Gdap {
        /// The identity that signs in to the partner tenant for Graph.
        identity: String,
        partner_tenant: String,
        /// (role template id, as written), lower-case ids.
        require_roles: Vec<(String, String)>,
        include_mlt: bool,
    },
    /// DAP-era contracts of `partner_tenant`.
    Contracts { identity: String, partner_tenant: String },
    /// A CSV, YAML or JSON file of tenants (absolute path).
    File { path: PathBuf },
}

impl SourceKind {
    /// `gdap`, `contracts` or `file`.
    pub fn name(&self) -> &'static str {
        match self {
            SourceKind::Gdap { .. } => "gdap",
            SourceKind::Contracts { .. } => "contracts",
            SourceKind::File { .. } => "file",
        }
    }
}

/// Effective settings of a source's tenants.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTenantDefaults {
    pub identity: String,
    pub environment: String,
    pub anchor_mailbox: Option<String>,
    pub bypass_mailbox_anchoring: bool,
}

/// The fields a `tenants:` entry wrote itself, so that it overrides only those on a
/// tenant a source also reports (SPEC §6: its fields override, tags are united).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WrittenFields {
    pub name: bool,
    pub identity: bool,
    pub environment: bool,
    pub anchor_mailbox: bool,
    pub bypass_mailbox_anchoring: bool,
}
