//! Identities → access tokens: every identity kind of SPEC §1 against Entra v2
//! endpoints (SPEC §4), with a single-flight, renew-ahead token cache and an optional
//! on-disk refresh-token cache. One file per identity kind; [`TokenBroker`] is the entry point.

mod aadsts;
mod access_token;
mod broker;
mod cache;
pub mod certificate;
mod client_secret;
mod device_code;
mod disk_cache;
mod error;
mod grant;
mod lint;
pub mod managed_identity;
mod password;
mod refresh_store;
mod refresh_token;
mod secrets_check;
mod token;
mod transport;

pub use broker::{BrokerOptions, TokenBroker, TokenStats, CACHE_DIR_ENV};
pub use certificate::CertificateCredential;
pub use device_code::{DevicePrompt, LoginOutcome};
pub use disk_cache::DiskCacheError;
pub use error::{AuthError, AuthErrorKind};
pub use lint::profile_warnings;
pub use managed_identity::ManagedIdentityEndpoints;
pub use secrets_check::check_secrets;
pub use token::AccessToken;
