//! The resolved profile: every file merged, references checked, defaults applied.
//! This is what the planner, auth and runner consume.

use super::secret::SecretRef;
use crate::environment::Environment;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The Exchange Online PowerShell public client, the default `client_id` of delegated kinds.
pub const EXO_POWERSHELL_CLIENT_ID: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";

/// Which front door a step talks to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Security & Compliance (`Connect-IPPSSession`).
    Compliance,
    /// Exchange Online (`Connect-ExchangeOnline`).
    Exchange,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Compliance => "compliance",
            Service::Exchange => "exchange",
        }
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fully loaded profile (one or many files merged).
#[derive(Debug, Clone)]
pub struct Profile {
    /// Built-in environments plus the ones the profile declares (declared ones win).
    pub environments: BTreeMap<String, Environment>,
    pub identities: BTreeMap<String, Identity>,
    /// Where each declared identity is defined (its name under `identities:`), for
    /// errors about an identity as a whole (an unset secret, an unreadable certificate).
    pub identity_origins: BTreeMap<String, super::diagnostic::Location>,
    pub defaults: Defaults,
    /// In declaration order (files in name order, then order within the file); once
    /// tenant sources are read ([`crate::discovery`]), every resolved tenant in id order.
    pub tenants: Vec<Tenant>,
    /// `tenant_sources:` in profile order (SPEC §6).
    pub tenant_sources: Vec<super::TenantSource>,
    /// The fields each `tenants:` entry wrote itself, by id (kept only when the profile
    /// has tenant sources, whose discovered tenants they override).
    pub written: BTreeMap<String, super::WrittenFields>,
    /// In declaration order.
    pub commands: Vec<CommandList>,
    /// `exemptions:` from every file, in load order.
    pub exemptions: Vec<crate::expect::Exemption>,
    /// Problems that do not stop a run (expired exemptions), located.
    pub warnings: Vec<super::diagnostic::Diagnostic>,
    /// The files that were merged, in load order.
    pub sources: Vec<PathBuf>,
    /// `sha256:<hex>` over the sources' file names and contents, in load order
    /// (independent of where the profile is checked out).
    pub digest: String,
}

impl Profile {
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.get(name)
    }
    pub fn identity(&self, name: &str) -> Option<&Identity> {
        self.identities.get(name)
    }
    pub fn command_list(&self, name: &str) -> Option<&CommandList> {
        self.commands.iter().find(|c| c.name == name)
    }
    /// Whether any step carries expectations.
    pub fn has_expectations(&self) -> bool {
        self.commands.iter().any(|c| c.steps.iter().any(|s| !s.expect.is_empty()))
    }
}

/// `defaults:` with every value filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    pub environment: String,
    /// `None` when the profile declares no default identity (then every tenant must name one).
    pub identity: Option<String>,
    pub service: Service,
    pub concurrency: Concurrency,
    pub timeout: Duration,
    /// How long one step (every page, every retry) may run (SPEC §9).
    pub step_timeout: Duration,
    pub retries: u32,
    pub read_only: bool,
}

/// `defaults.concurrency` when the profile sets none.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// `defaults.step_timeout` when the profile sets none: long enough for the largest
/// `-ResultSize Unlimited` export, short enough that a server paging forever ends.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            environment: "commercial".into(),
            identity: None,
            service: Service::Compliance,
            concurrency: Concurrency::Fixed(DEFAULT_CONCURRENCY),
            timeout: Duration::from_secs(120),
            step_timeout: DEFAULT_STEP_TIMEOUT,
            retries: 5,
            read_only: true,
        }
    }
}

/// Tenants in flight: a fixed number, or `auto` (AIMD windows per tenant and overall
/// that grow until the service throttles and back off when it does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    Fixed(usize),
    Auto,
}

impl std::str::FromStr for Concurrency {
    type Err = String;

    /// `auto` or a number from 1 to 10,000 (`-j` on the command line).
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Concurrency::Auto);
        }
        match s.parse::<usize>() {
            Ok(n @ 1..=10_000) => Ok(Concurrency::Fixed(n)),
            _ => Err(format!("`{s}` is neither `auto` nor a number from 1 to 10000")),
        }
    }
}

impl std::fmt::Display for Concurrency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Concurrency::Fixed(n) => write!(f, "{n}"),
            Concurrency::Auto => f.write_str("auto"),
        }
    }
}

/// One identity: a way to obtain tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub name: String,
    pub kind: IdentityKind,
}

/// The identity kinds of SPEC §1.
#[derive(Debug, Clone, PartialEq)]
pub enum IdentityKind {
    Certificate { client_id: String, certificate: CertificateSource },
    ClientSecret { client_id: String, client_secret: SecretRef },
    RefreshToken { client_id: String, refresh_token: SecretRef, user_principal_name: Option<String> },
    DeviceCode { client_id: String, user_principal_name: Option<String>, tenant: String },
    Password { client_id: String, user_principal_name: String, password: SecretRef },
    ManagedIdentity { client_id: Option<String> },
    AccessToken { token: SecretRef },
}

impl IdentityKind {
    /// The kind's name as written in profiles.
    pub fn name(&self) -> &'static str {
        match self {
            IdentityKind::Certificate { .. } => "certificate",
            IdentityKind::ClientSecret { .. } => "client_secret",
            IdentityKind::RefreshToken { .. } => "refresh_token",
            IdentityKind::DeviceCode { .. } => "device_code",
            IdentityKind::Password { .. } => "password",
            IdentityKind::ManagedIdentity { .. } => "managed_identity",
            IdentityKind::AccessToken { .. } => "access_token",
        }
    }

    /// App-only kinds anchor on the system mailbox; delegated kinds on the user.
    pub fn is_app_only(&self) -> bool {
        matches!(
            self,
            IdentityKind::Certificate { .. }
                | IdentityKind::ClientSecret { .. }
                | IdentityKind::ManagedIdentity { .. }
        )
    }

    /// The signed-in user, for delegated kinds that name one.
    pub fn user_principal_name(&self) -> Option<&str> {
        match self {
            IdentityKind::RefreshToken { user_principal_name, .. }
            | IdentityKind::DeviceCode { user_principal_name, .. } => user_principal_name.as_deref(),
            IdentityKind::Password { user_principal_name, .. } => Some(user_principal_name),
            _ => None,
        }
    }
}

/// A certificate for app-only sign-in: PKCS#12, or PEM certificate + PEM key.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateSource {
    /// PKCS#12 (`.pfx`/`.p12`) or PEM certificate; absolute.
    pub path: PathBuf,
    /// PEM private key when `path` is a PEM certificate; absolute.
    pub key: Option<PathBuf>,
    /// Password of the PKCS#12 file or encrypted key.
    pub password: Option<SecretRef>,
}

/// A tenant with its effective settings (tenant override, else profile default).
#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    /// `DelegatedOrganization`: a verified domain or a tenant GUID, lower-cased.
    pub id: String,
    pub name: Option<String>,
    pub tags: Vec<String>,
    /// Effective identity name.
    pub identity: String,
    /// Effective environment name.
    pub environment: String,
    pub anchor_mailbox: Option<String>,
    pub bypass_mailbox_anchoring: bool,
}

/// A named command list; its steps run in order within a tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandList {
    pub name: String,
    pub steps: Vec<Step>,
}

/// One cmdlet invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub cmdlet: String,
    /// Effective service (step's own, else `defaults.service`).
    pub service: Service,
    /// Parameters as given; hashtable values are typed when sent.
    pub parameters: serde_json::Map<String, serde_json::Value>,
    /// `$select` properties; empty means all.
    pub select: Vec<String>,
    /// Expectations on the step's objects (SPEC §7); shared, as every tenant's plan holds the step.
    pub expect: std::sync::Arc<[crate::expect::Expectation]>,
}
