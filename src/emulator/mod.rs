//! The Microsoft 365 admin API emulator (SPEC §5): Entra token endpoints, the
//! compliance and exchange front doors, fault injection and counters.
//!
//! One loopback port serves everything, path-based so no DNS is needed:
//! `/{tenant}/...` (Entra v2, tenant first as Microsoft serves it: the emulator's origin is
//! the authority; `/login/{tenant}/...` too), `/compliance/adminapi/...` (Security & Compliance front
//! door), `/region/{region}/adminapi/...` (regional compliance hosts), `/exchange/adminapi/...`,
//! `/graph/v1.0/...` (Microsoft Graph for partner tenants: GDAP relationships, contracts),
//! `/msi/token` and `/metadata/identity/oauth2/token` (managed identity), `/_stats` and `/_admin/...`.
//! Start it with [`Emulator::start`]; the CLI wrapper is `tenantrun emulator`.

mod admin;
mod assertion;
mod authorize;
mod cmdlets;
mod config;
mod conn_slots;
mod credential_log;
mod dataset;
mod dataset_baseline;
mod device;
mod discovery;
mod entra;
mod entra_error;
mod error;
mod exo_error;
mod faults;
mod filter;
pub mod fixture;
mod grant_client;
mod grant_password;
mod grant_refresh;
mod graph;
mod graph_data;
mod http;
mod id_token;
mod invoke;
mod jwt;
mod module_file;
mod msi;
mod rate_limit;
mod region;
mod registry;
mod router;
mod server;
mod state;
mod stats;
mod table_cache;
mod tenant_state;
mod tls;
mod token;

pub use config::{ClientConfig, EmulatorConfig, ScenarioError, TenantConfig, UserConfig};
pub use error::EmulatorError;
pub use graph_data::{CustomerConfig, PartnerConfig, RelationshipConfig};
pub use registry::{
    APP_CLIENT_ID, APP_CLIENT_SECRET, MANAGED_IDENTITY_CLIENT_ID, MANAGED_IDENTITY_HEADER, PARTNER_UPN,
    PUBLIC_CLIENT_ID, SYSTEM_MAILBOX, TEST_CLIENT_CERT_PEM, TEST_CLIENT_KEY_PEM, USER_PASSWORD,
};
pub use server::{Emulator, EmulatorHandle};
pub use stats::{CallRecord, Stats, TokenCount, Violations};
