//! Emulator configuration: every `tenantrun emulator` flag is a field here, and a
//! scenario file (JSON or TOML, same shape) can set all of them plus per-tenant,
//! per-client and per-user registrations and faults.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the emulator can be told. `Default` is a fast, fault-free emulator on
/// `127.0.0.1:0` with the well-known registrations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EmulatorConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub addr: SocketAddr,
    /// Serve HTTPS with a generated self-signed certificate.
    pub tls: bool,
    /// Where to write the generated certificate (PEM) when `tls` is on; default: a file in
    /// the system temp directory named after the port.
    pub tls_cert_file: Option<PathBuf>,
    /// Seed for the synthetic datasets and the fault dice.
    pub seed: u64,
    /// Added latency on every protocol request (not `/_stats`, `/_admin`), in milliseconds.
    pub latency_ms: u64,
    /// Extra random latency, uniformly 0..=jitter, in milliseconds.
    pub latency_jitter_ms: u64,
    /// Answer every Nth admin API call of a tenant with 429 (0 = never).
    pub throttle_every: u64,
    /// Answer 429 while more than this many admin API calls of one tenant are in flight (0 = no limit).
    pub tenant_concurrency_limit: u64,
    /// Admin API calls per second over all tenants (a token bucket holding a tenth of a
    /// second's worth); a call finding it empty is answered 429 (0 = no limit).
    pub rate_limit: f64,
    /// `Retry-After` seconds sent with 429 and 503.
    pub retry_after_secs: u64,
    /// Probability (0..1) that an admin API call fails with a 5xx.
    pub server_error_rate: f64,
    /// The 5xx statuses drawn from when `server_error_rate` fires.
    pub server_error_statuses: Vec<u16>,
    /// Probability (0..1) that an admin API call's connection is dropped without an answer.
    pub drop_rate: f64,
    /// Lifetime of issued access tokens, in seconds.
    pub token_lifetime_secs: u64,
    /// Lifetime of issued refresh tokens, in seconds.
    pub refresh_token_lifetime_secs: u64,
    /// How long a rotated-out refresh token is still honoured, in seconds.
    pub refresh_token_grace_secs: u64,
    /// Device-code polling interval announced to clients, in seconds.
    pub device_code_interval_secs: u64,
    /// Device-code lifetime, in seconds.
    pub device_code_lifetime_secs: u64,
    /// Approve every device code as soon as it is issued (as `login_hint`, or `admin@<tenant>`).
    pub auto_approve_device: bool,
    /// Page size when the client sends no `Prefer: odata.maxpagesize`.
    pub default_page_size: usize,
    /// Largest page size honoured.
    pub max_page_size: usize,
    /// Tenant of the managed identity.
    pub managed_identity_tenant: String,
    /// Tenant ids for which Entra answers AADSTS90002 (tenant not found).
    pub unknown_tenants: Vec<String>,
    /// Tenants with special sizes, regions, policies or faults (all others are synthetic).
    pub tenants: Vec<TenantConfig>,
    /// Extra app registrations (the well-known ones always exist).
    pub clients: Vec<ClientConfig>,
    /// Extra users (the well-known ones always exist).
    pub users: Vec<UserConfig>,
    /// Partner tenants and their customers' GDAP relationships (Microsoft Graph under
    /// `/graph`); empty: every tenant is a partner with the default dataset.
    pub partners: Vec<super::graph_data::PartnerConfig>,
    /// Graph page size when the client sends no `$top` (at most 300, Graph's cap).
    pub graph_page_size: usize,
    /// Graph answers every partner 403 `Authorization_RequestDenied` (a missing permission).
    pub graph_permission_denied: bool,
    /// Answer every Nth Graph call with 429 and `Retry-After` (0 = never).
    pub graph_throttle_every: u64,
    /// Close a connection whose request head has not fully arrived this many milliseconds
    /// after the server started waiting for it (an idle keep-alive connection too).
    pub header_timeout_ms: u64,
    /// Answer 408 and close when a request body has not fully arrived after this many milliseconds.
    pub body_timeout_ms: u64,
    /// Connections served at once (the oldest idle one makes room; when all are busy, one
    /// more is answered 503 and closed). Default: the descriptor limit (`ulimit -n`) less
    /// what the emulator needs besides its connections, so a well-behaved client is never
    /// cut off while a flood cannot use up the descriptors.
    pub max_connections: Option<usize>,
    /// Memory for generated datasets kept ready to serve, in MiB; beyond it the oldest are
    /// dropped and generated again (identically) when asked for. Tables changed by write
    /// cmdlets are kept whatever this says.
    pub dataset_cache_mib: u64,
    /// Certificates registered for client ids: (client id, certificate DER).
    #[serde(skip)]
    pub certificates: Vec<(String, Vec<u8>)>,
    /// Keep every token issued and client assertion received, for leak tests
    /// (`EmulatorHandle::issued_credentials`); off by default (memory grows with each).
    #[serde(skip)]
    pub record_credentials: bool,
    /// Keep a timestamped log of every admin API call (`Stats::calls`: tenant, operation,
    /// status, when it arrived and was answered), so a test can check how long a client
    /// waited after a 429; off by default (memory grows with each call).
    pub record_calls: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            tls_cert_file: None,
            seed: 0,
            latency_ms: 0,
            latency_jitter_ms: 0,
            throttle_every: 0,
            tenant_concurrency_limit: 0,
            rate_limit: 0.0,
            retry_after_secs: 1,
            server_error_rate: 0.0,
            server_error_statuses: vec![500, 502, 503, 504],
            drop_rate: 0.0,
            token_lifetime_secs: 3600,
            refresh_token_lifetime_secs: 90 * 24 * 3600,
            refresh_token_grace_secs: 60,
            device_code_interval_secs: 5,
            device_code_lifetime_secs: 900,
            auto_approve_device: false,
            default_page_size: 1000,
            max_page_size: 1000,
            managed_identity_tenant: "managed.onmicrosoft.com".into(),
            unknown_tenants: Vec::new(),
            tenants: Vec::new(),
            clients: Vec::new(),
            users: Vec::new(),
            partners: Vec::new(),
            graph_page_size: super::graph::PAGE_CAP,
            graph_permission_denied: false,
            graph_throttle_every: 0,
            header_timeout_ms: 30_000,
            body_timeout_ms: 30_000,
            max_connections: None,
            dataset_cache_mib: 256,
            certificates: Vec::new(),
            record_credentials: false,
            record_calls: false,
        }
    }
}

/// A tenant with non-default behaviour. Unlisted tenants are synthesised from their id.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TenantConfig {
    /// Domain (`contoso.onmicrosoft.com`) or GUID.
    pub id: String,
    /// Other ids of the same tenant (its GUID, other domains); they share state.
    pub aliases: Vec<String>,
    /// Compliance region label (`eur02b`), or `none` for no redirect; default: derived from the id.
    pub region: Option<String>,
    /// Object counts per cmdlet (`Get-Mailbox = 2500`); default: derived from the id.
    pub sizes: BTreeMap<String, usize>,
    /// Conditional access requires MFA: the password grant fails with AADSTS50076.
    pub mfa_required: bool,
    /// Refresh tokens older than this (seconds since sign-in) fail with AADSTS70043 here.
    pub sign_in_frequency_secs: Option<u64>,
    /// Client ids not consented (delegated: AADSTS65001) / without a service principal (app-only: AADSTS700016).
    pub not_consented: Vec<String>,
    /// The callers of this tenant hold no Exchange role (the app lacks `Exchange.ManageAsApp`
    /// or an Entra role): every admin API call with a valid token answers 403 with a body of
    /// NUL bytes and the reason in `x-ms-diagnostics`, as the live service does.
    pub lacks_exchange_role: bool,
    /// The first N access tokens issued for this tenant are refused by the admin API as
    /// expired (401) although the token response promised `expires_in`: what a client sees
    /// when the service's clock runs ahead of its own or a token is revoked early.
    pub expired_tokens: u64,
    /// Overrides of the global faults for this tenant.
    pub throttle_every: Option<u64>,
    pub concurrency_limit: Option<u64>,
    pub latency_ms: Option<u64>,
    pub server_error_rate: Option<f64>,
    pub drop_rate: Option<f64>,
}

/// An app registration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ClientConfig {
    pub client_id: String,
    pub display_name: Option<String>,
    /// Valid client secrets.
    pub secrets: Vec<String>,
    /// Expired client secrets (AADSTS7000222).
    pub expired_secrets: Vec<String>,
    /// PEM certificate files registered for certificate credentials (relative to the scenario file).
    pub certificate_files: Vec<PathBuf>,
    /// A public client (device code, password, refresh token grants) rather than a confidential app.
    pub public: bool,
}

/// A user account.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UserConfig {
    pub upn: String,
    pub password: Option<String>,
    /// A partner (GDAP) admin: its refresh tokens are valid in every tenant.
    pub partner: bool,
    /// Per-user MFA: the password grant fails with AADSTS50076.
    pub mfa_required: bool,
}

/// Why a scenario file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("scenario file {path} is invalid: {reason}")]
    Parse { path: String, reason: String },
    #[error("scenario file {path}: certificate {cert}: {reason}")]
    Certificate { path: String, cert: String, reason: String },
}

impl EmulatorConfig {
    /// Load a scenario file (`.json` or `.toml`), resolving certificate files next to it.
    pub fn from_scenario_file(path: &Path) -> Result<Self, ScenarioError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::Read { path: shown.clone(), reason: e.to_string() })?;
        let mut config: EmulatorConfig = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml")) {
            toml::from_str(&text)
                .map_err(|e| ScenarioError::Parse { path: shown.clone(), reason: e.to_string() })?
        } else {
            serde_json::from_str(&text)
                .map_err(|e| ScenarioError::Parse { path: shown.clone(), reason: e.to_string() })?
        };
        let base = path.parent().unwrap_or(Path::new("."));
        config.load_certificate_files(base, &shown)?;
        Ok(config)
    }

    /// Read every client's `certificate_files` into `certificates`.
    fn load_certificate_files(&mut self, base: &Path, shown: &str) -> Result<(), ScenarioError> {
        for client in &self.clients {
            for file in &client.certificate_files {
                let full = base.join(file);
                let err = |reason: String| ScenarioError::Certificate {
                    path: shown.to_string(),
                    cert: full.display().to_string(),
                    reason,
                };
                let pem = std::fs::read(&full).map_err(|e| err(e.to_string()))?;
                let ders = super::registry::certs_from_pem(&pem).map_err(err)?;
                for der in ders {
                    self.certificates.push((client.client_id.clone(), der));
                }
            }
        }
        Ok(())
    }

    /// The tenant configuration matching `id` (by id or alias, case-insensitive).
    pub fn tenant(&self, id: &str) -> Option<&TenantConfig> {
        self.tenants
            .iter()
            .find(|t| t.id.eq_ignore_ascii_case(id) || t.aliases.iter().any(|a| a.eq_ignore_ascii_case(id)))
    }
}
