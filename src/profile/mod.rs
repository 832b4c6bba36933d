//! The profile: where (environments), as whom (identities), which customers
//! (tenants) and what (command lists) — SPEC §1.
//!
//! Loading goes in passes: read files → parse to the raw document model
//! ([`document`]) → validate and merge into the resolved [`Profile`] with defaults
//! applied. Nothing here touches the network; secrets are only *referenced* here
//! and read when a run needs them ([`secret`]).

pub mod document;
pub mod duration;
mod load;
pub mod model;
pub mod secret;

pub use load::{load, LoadError};
pub use model::{
    CertificateSource, CommandList, Defaults, Identity, IdentityKind, Profile, Service, Step, Tenant,
    EXO_POWERSHELL_CLIENT_ID,
};
pub use secret::{Secret, SecretError, SecretRef};
