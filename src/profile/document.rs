//! The raw profile document as written in one YAML or TOML file. The JSON Schema
//! (`tenantrun schema`, `schemas/profile.schema.json`) is generated from these types.
//!
//! The loader does not deserialize into them: it walks a position-carrying tree
//! ([`super::check`]) so that it can report every problem with its location.
//! `tests/profile_schema.rs` keeps the keys accepted by both in step.

use super::model::Service;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An application (client) id.
const GUID: &str = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
/// A verified domain or a tenant GUID.
const TENANT_ID: &str = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$";
/// `90s`, `2m`, `1h`, `500ms`, `1m30s`.
const DURATION: &str = r"^([0-9]+|([0-9]+(ms|s|m|h))+)$";
/// `Verb-Noun`.
const CMDLET: &str = r"^[A-Za-z]+-[A-Za-z0-9]+$";
/// An environment variable name.
const ENV_VAR: &str = r"^[A-Za-z_][A-Za-z0-9_]*$";
/// `UPN:`, `SMTP:` or `APP:` and an address.
const ANCHOR: &str = r"^([Uu][Pp][Nn]|[Ss][Mm][Tt][Pp]|[Aa][Pp][Pp]):.+$";
/// `user@domain`.
const UPN: &str = r"^[^@\s]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}$";

/// One profile file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "tenantrun profile")]
pub struct ProfileDocument {
    /// Format version; must be 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// Environments (clouds) declared by this profile, in addition to the built-ins.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentDoc>,
    /// Identities: how to sign in.
    #[serde(default)]
    pub identities: BTreeMap<String, IdentityDoc>,
    /// Defaults for every tenant and step.
    #[serde(default)]
    pub defaults: Option<DefaultsDoc>,
    /// Tenants to run against (`DelegatedOrganization`).
    #[serde(default)]
    pub tenants: Vec<TenantDoc>,
    /// Where more tenants come from: GDAP relationships, partner contracts, or a file
    /// (read by `plan`, `run` and `tenants`, never by `validate`).
    #[serde(default)]
    pub tenant_sources: BTreeMap<String, TenantSourceDoc>,
    /// Named command lists.
    #[serde(default)]
    pub commands: BTreeMap<String, Vec<StepDoc>>,
    /// Checks waived for some tenants, each with a reason and an expiry date.
    #[serde(default)]
    pub exemptions: Vec<ExemptionDoc>,
}

/// A declared environment. URLs may carry a path prefix.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentDoc {
    /// Entra login host (AzureADAuthorizationEndpointUri).
    pub authority: String,
    /// Exchange Online front door.
    #[serde(default)]
    pub exchange: Option<String>,
    /// Security & Compliance front door (ConnectionUri).
    #[serde(default)]
    pub compliance: Option<String>,
    /// Regional compliance host template with `{region}`.
    #[serde(default)]
    pub compliance_region: Option<String>,
    /// Token audience for Exchange Online.
    #[serde(default)]
    pub resource_exchange: Option<String>,
    /// Token audience for Security & Compliance.
    #[serde(default)]
    pub resource_compliance: Option<String>,
    /// Microsoft Graph (tenant sources read GDAP relationships and contracts there).
    #[serde(default)]
    pub graph: Option<String>,
    /// Token audience for Microsoft Graph.
    #[serde(default)]
    pub resource_graph: Option<String>,
    /// PEM file of extra trusted CA certificates (e.g. the emulator's `--tls` certificate).
    #[serde(default)]
    pub ca_file: Option<String>,
}

/// A secret reference: `{ env: NAME }` or `{ file: PATH }`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum SecretDoc {
    /// Read from this environment variable.
    Env(#[schemars(pattern(ENV_VAR))] String),
    /// Read from this file (relative to the profile file's folder; must not be group/other-readable).
    File(String),
}

/// A certificate for app-only sign-in.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateDoc {
    /// PKCS#12 (.pfx/.p12) file, or PEM certificate when `key` is given.
    pub path: String,
    /// PEM private key (with a PEM certificate in `path`).
    #[serde(default)]
    pub key: Option<String>,
    /// Password of the PKCS#12 file or of the encrypted key.
    #[serde(default)]
    pub password: Option<SecretDoc>,
}

/// An identity; `kind` selects the sign-in method.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum IdentityDoc {
    /// App-only with a certificate (`-AppId -CertificateFilePath`).
    Certificate {
        /// Application (client) id of the app registration (`-AppId`).
        #[schemars(pattern(GUID))]
        client_id: String,
        certificate: CertificateDoc,
    },
    /// App-only with a client secret.
    ClientSecret {
        /// Application (client) id of the app registration.
        #[schemars(pattern(GUID))]
        client_id: String,
        client_secret: SecretDoc,
    },
    /// CSP partner / GDAP delegated admin with a refresh token.
    RefreshToken {
        /// Application (client) id; default: the Exchange Online PowerShell public client.
        #[serde(default)]
        #[schemars(pattern(GUID))]
        client_id: Option<String>,
        refresh_token: SecretDoc,
        #[serde(default)]
        #[schemars(pattern(UPN))]
        user_principal_name: Option<String>,
    },
    /// Interactive MFA sign-in (`tenantrun login`).
    DeviceCode {
        /// Application (client) id; default: the Exchange Online PowerShell public client.
        #[serde(default)]
        #[schemars(pattern(GUID))]
        client_id: Option<String>,
        #[serde(default)]
        #[schemars(pattern(UPN))]
        user_principal_name: Option<String>,
        /// Sign-in tenant, default `organizations`.
        #[serde(default)]
        tenant: Option<String>,
    },
    /// `-Credential` (resource owner password; cannot pass MFA).
    Password {
        /// Application (client) id; default: the Exchange Online PowerShell public client.
        #[serde(default)]
        #[schemars(pattern(GUID))]
        client_id: Option<String>,
        #[schemars(pattern(UPN))]
        user_principal_name: String,
        password: SecretDoc,
    },
    /// `-ManagedIdentity [-ManagedIdentityAccountId]`.
    ManagedIdentity {
        /// Application (client) id; default: the Exchange Online PowerShell public client.
        #[serde(default)]
        #[schemars(pattern(GUID))]
        client_id: Option<String>,
    },
    /// `-AccessToken`: a token used as is.
    AccessToken { token: SecretDoc },
}

/// Profile defaults.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultsDoc {
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub service: Option<Service>,
    /// Tenants in flight at once.
    #[serde(default)]
    #[schemars(range(min = 1, max = 10000))]
    pub concurrency: Option<usize>,
    /// Per-request timeout, e.g. `120s`, `2m`.
    #[serde(default)]
    #[schemars(pattern(DURATION))]
    pub timeout: Option<String>,
    /// Deadline of one step, all its pages and retries included, e.g. `2h` (the default), `30m`.
    #[serde(default)]
    #[schemars(pattern(DURATION))]
    pub step_timeout: Option<String>,
    /// Retries per request on 429/5xx/network errors.
    #[serde(default)]
    #[schemars(range(max = 100))]
    pub retries: Option<u32>,
    /// Refuse cmdlets whose verb changes state unless `--allow-write`.
    #[serde(default)]
    pub read_only: Option<bool>,
}

/// A tenant (`DelegatedOrganization`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantDoc {
    /// Verified domain (`contoso.onmicrosoft.com`) or tenant GUID.
    #[schemars(pattern(TENANT_ID))]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    /// Overrides the default `X-AnchorMailbox`, e.g. `UPN:ops@fabrikam.us`.
    #[serde(default)]
    #[schemars(pattern(ANCHOR))]
    pub anchor_mailbox: Option<String>,
    /// Send no anchor header (BypassMailboxAnchoring).
    #[serde(default)]
    pub bypass_mailbox_anchoring: Option<bool>,
}

/// A tenant source; `kind` selects where its tenants come from.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TenantSourceDoc {
    /// The partner's active GDAP relationships (Microsoft Graph `delegatedAdminRelationships`).
    Gdap {
        /// Signs in to the partner's own tenant for Graph (`DelegatedAdminRelationship.Read.All`).
        #[serde(default)]
        identity: Option<String>,
        /// The partner tenant the Graph token is asked of.
        #[schemars(pattern(TENANT_ID))]
        partner_tenant: String,
        /// Entra roles a customer's relationships must grant: names or role template GUIDs.
        #[serde(default)]
        require_roles: Vec<String>,
        /// Keep Microsoft-led transition (`MLT_`) relationships.
        #[serde(default)]
        include_mlt: Option<bool>,
        /// The environment whose Graph is read; default `defaults.environment`.
        #[serde(default)]
        environment: Option<String>,
        /// Tags added to every tenant of this source.
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        tenant_defaults: Option<TenantDefaultsDoc>,
    },
    /// The partner's DAP-era contracts (Microsoft Graph `contracts`).
    Contracts {
        /// Signs in to the partner's own tenant for Graph.
        #[serde(default)]
        identity: Option<String>,
        /// The partner tenant the Graph token is asked of.
        #[schemars(pattern(TENANT_ID))]
        partner_tenant: String,
        /// The environment whose Graph is read; default `defaults.environment`.
        #[serde(default)]
        environment: Option<String>,
        /// Tags added to every tenant of this source.
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        tenant_defaults: Option<TenantDefaultsDoc>,
    },
    /// A CSV (`id,name,tags,identity,environment`, tags `;`-separated) or YAML/JSON list of tenants.
    File {
        /// Relative to the profile file's folder.
        path: String,
        /// Default environment of its tenants; default `defaults.environment`.
        #[serde(default)]
        environment: Option<String>,
        /// Tags added to every tenant of this source.
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        tenant_defaults: Option<TenantDefaultsDoc>,
    },
}

/// Settings for every tenant a source adds (a tenant's own entry under `tenants:` wins).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantDefaultsDoc {
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    /// `X-AnchorMailbox`, e.g. `UPN:ops@partner.onmicrosoft.com`.
    #[serde(default)]
    #[schemars(pattern(ANCHOR))]
    pub anchor_mailbox: Option<String>,
    #[serde(default)]
    pub bypass_mailbox_anchoring: Option<bool>,
}

/// A step: a bare cmdlet name, or a table with options.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum StepDoc {
    /// Bare cmdlet name.
    Name(#[schemars(pattern(CMDLET))] String),
    /// Cmdlet with options.
    Full(StepSpecDoc),
}

/// A step with options.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepSpecDoc {
    /// The cmdlet, `Verb-Noun`.
    #[schemars(pattern(CMDLET))]
    pub cmdlet: String,
    #[serde(default)]
    pub service: Option<Service>,
    #[serde(default)]
    pub parameters: serde_json::Map<String, serde_json::Value>,
    /// `$select` properties.
    #[serde(default)]
    pub select: Vec<String>,
    /// Expectations on the objects the step returns (checks).
    #[serde(default)]
    pub expect: Vec<ExpectationDoc>,
}

/// A check id: letters, digits, `-`, `_`, `.` (e.g. `MS.EXO.1.1v1`).
const CHECK_ID: &str = r"^[\p{L}\p{N}._-]+$";
/// `YYYY-MM-DD`.
const DATE: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// An expectation: an optional `where` and exactly one of `all`, `any`, `none`, `count`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    {"required": ["all"]}, {"required": ["any"]}, {"required": ["none"]}, {"required": ["count"]}
]))]
pub struct ExpectationDoc {
    /// Unique in the profile and stable across versions; names the check in every run.
    #[schemars(pattern(CHECK_ID))]
    pub id: String,
    /// What the check asserts, in words.
    #[serde(default)]
    pub title: Option<String>,
    /// Default `medium`.
    #[serde(default)]
    pub severity: Option<crate::expect::Severity>,
    /// The control the check comes from, e.g. `CISA SCuBA MS.EXO.1.1v1`.
    #[serde(default)]
    pub source: Option<String>,
    /// Only the objects that match are looked at.
    #[serde(default, rename = "where")]
    pub filter: Option<MatcherDoc>,
    /// Every object matches (holds over no objects).
    #[serde(default)]
    pub all: Option<MatcherDoc>,
    /// At least one object matches.
    #[serde(default)]
    pub any: Option<MatcherDoc>,
    /// No object matches.
    #[serde(default)]
    pub none: Option<MatcherDoc>,
    /// How many objects there are: exactly N, or `{ min, max }`.
    #[serde(default)]
    pub count: Option<CountDoc>,
}

/// Property paths (`Name`, `Settings.Mode`) to conditions, all of which must hold.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[schemars(extend("minProperties" = 1))]
pub struct MatcherDoc(pub BTreeMap<String, ConditionDoc>);

/// A literal (equality: strings case-insensitive, numbers numerically) or operators.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ConditionDoc {
    Operators(Box<OperatorsDoc>),
    Literal(LiteralDoc),
}

/// A literal value.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum LiteralDoc {
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<serde_json::Value>),
    Null(()),
}

/// Operators on one property (PowerShell semantics); all of them must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct OperatorsDoc {
    /// Equal (`-eq`; strings case-insensitive).
    #[serde(default)]
    pub eq: Option<serde_json::Value>,
    /// Not equal (`-ne`).
    #[serde(default)]
    pub ne: Option<serde_json::Value>,
    /// Equal to one of the values (`-in`).
    #[serde(default, rename = "in")]
    pub is_in: Option<Vec<serde_json::Value>>,
    /// Equal to none of the values (`-notin`).
    #[serde(default)]
    pub not_in: Option<Vec<serde_json::Value>>,
    /// PowerShell wildcard (`-like`): `*`, `?`, `[a-z]`; case-insensitive, whole value.
    #[serde(default)]
    pub like: Option<String>,
    /// Regular expression (`-match`): unanchored, case-insensitive.
    #[serde(default)]
    #[schemars(extend("format" = "regex"))]
    pub matches: Option<String>,
    /// Greater than (numbers numerically, strings case-insensitively).
    #[serde(default)]
    pub gt: Option<NumberOrText>,
    /// Greater than or equal.
    #[serde(default)]
    pub ge: Option<NumberOrText>,
    /// Less than.
    #[serde(default)]
    pub lt: Option<NumberOrText>,
    /// Less than or equal.
    #[serde(default)]
    pub le: Option<NumberOrText>,
    /// An array holds the value, or a string holds the substring.
    #[serde(default)]
    pub contains: Option<serde_json::Value>,
    /// `true`: present and not null; `false`: missing or null.
    #[serde(default)]
    pub exists: Option<bool>,
    /// `true`: null, `""` or `[]`.
    #[serde(default)]
    pub empty: Option<bool>,
}

/// A number or a string.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum NumberOrText {
    Number(f64),
    Text(String),
}

/// `count: N` (exactly N objects) or `count: { min, max }`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CountDoc {
    Exactly(u64),
    Range(CountRangeDoc),
}

/// Bounds on the number of objects (after `where`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct CountRangeDoc {
    #[serde(default)]
    pub min: Option<u64>,
    #[serde(default)]
    pub max: Option<u64>,
}

/// A check waived for some tenants until a date.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionDoc {
    /// A check id, or a glob of ids (`MS.EXO.1.*`).
    pub check: String,
    /// Tenant selectors as for `-t` (`tag:lab`, an id, `name:GLOB`, `!SEL`); default: every tenant.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Why the check does not apply.
    #[schemars(length(min = 1))]
    pub reason: String,
    /// The last day (UTC) the exemption holds, `YYYY-MM-DD`.
    #[schemars(pattern(DATE))]
    pub expires: String,
}
