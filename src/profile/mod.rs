//! The profile: where (environments), as whom (identities), which customers
//! (tenants) and what (command lists) — SPEC §1.
//!
//! Loading goes in passes, like a compiler: read files → parse YAML/TOML into a
//! position-carrying tree ([`syntax`]) → check every key, type and value of each
//! file ([`check`]) → merge the files, checking duplicates and references
//! ([`resolve`]) into the [`Profile`] with defaults applied. Every problem becomes a
//! [`diagnostic::Diagnostic`] at `FILE:LINE:COL`. [`document`] holds the serde types
//! the JSON Schema is generated from. Nothing here touches the network; secrets are
//! only *referenced* here and read when a run needs them ([`secret`]).

pub mod builtin_identity;
pub mod check;
pub mod diagnostic;
pub mod document;
pub mod duration;
mod load;
pub mod model;
pub mod resolve;
pub mod schema;
pub mod secret;
pub mod syntax;
pub mod tenant_source;

pub use load::{
    files_in as load_files_in, load, load_copies, load_files, profile_files, profile_folders, LoadError,
};
pub use model::{
    CertificateSource, CommandList, Concurrency, Defaults, Identity, IdentityKind, Profile, Service, Step,
    Tenant, DEFAULT_CONCURRENCY, EXO_POWERSHELL_CLIENT_ID,
};
pub use secret::{Secret, SecretError, SecretRef};
pub use tenant_source::{SourceKind, SourceTenantDefaults, TenantSource, WrittenFields};
