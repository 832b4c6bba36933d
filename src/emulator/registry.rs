//! Who exists in the emulated directory: tenants (any id is accepted and gets a stable
//! GUID), app registrations with their secrets and certificates, users and consent.
//!
//! The well-known registrations are public on purpose, like Azurite's development key.

use super::config::{EmulatorConfig, TenantConfig};
use sha1::Digest as _;
use std::collections::HashMap;

/// The well-known app-only client, consented in every tenant.
pub const APP_CLIENT_ID: &str = "00000000-0000-4000-8000-00000000e001";
/// Its client secret.
pub const APP_CLIENT_SECRET: &str = "emulator-secret";
/// The Exchange Online PowerShell public client.
pub const PUBLIC_CLIENT_ID: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";
/// The partner (GDAP) admin, valid in every tenant.
pub const PARTNER_UPN: &str = "admin@partner.example";
/// The password of every well-known user.
pub const USER_PASSWORD: &str = "emulator-password";
/// The value of `X-IDENTITY-HEADER` the managed identity endpoint expects.
pub const MANAGED_IDENTITY_HEADER: &str = "emulator-identity-header";
/// The system-assigned managed identity's client id.
pub const MANAGED_IDENTITY_CLIENT_ID: &str = "00000000-0000-4000-8000-00000000e0f1";
/// The mailbox GUID of the app-only anchor `APP:SystemMailbox{...}@tenant`.
pub const SYSTEM_MAILBOX: &str = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

/// The built-in test client certificate (public; written by `--write-fixture`).
pub const TEST_CLIENT_CERT_PEM: &str = include_str!("keys/test_client_cert.pem");
/// Its private key (PKCS#8 PEM).
pub const TEST_CLIENT_KEY_PEM: &str = include_str!("keys/test_client_key.pem");

/// A registered app.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub client_id: String,
    #[allow(dead_code)]
    pub display_name: String,
    pub secrets: Vec<String>,
    pub expired_secrets: Vec<String>,
    /// Registered certificates by SHA-1 thumbprint: (sha1, sha256, PKCS#1 RSA public key DER).
    pub certs: Vec<RegisteredCert>,
    pub public: bool,
}

/// A certificate credential of a client.
#[derive(Debug, Clone)]
pub struct RegisteredCert {
    pub sha1: [u8; 20],
    pub sha256: [u8; 32],
    /// PKCS#1 `RSAPublicKey` DER, as jsonwebtoken's `DecodingKey::from_rsa_der` expects.
    pub rsa_public_key: Vec<u8>,
}

/// A user account.
#[derive(Debug, Clone)]
pub struct User {
    pub upn: String,
    pub password: String,
    pub partner: bool,
    pub mfa_required: bool,
}

/// The directory: built from the config once at start, read-only afterwards.
#[derive(Debug, Default)]
pub struct Registry {
    clients: HashMap<String, Client>,
    users: HashMap<String, User>,
    /// Lowercased id or alias -> index into `tenants`.
    tenant_index: HashMap<String, usize>,
    tenants: Vec<TenantConfig>,
    unknown: Vec<String>,
    /// GUIDs derived for domain-named tenants, back to the domain: Entra's discovery
    /// document names a tenant by GUID, so clients then ask `/{guid}/oauth2/v2.0/token`.
    derived: parking_lot::RwLock<HashMap<String, String>>,
}

/// Derived GUIDs remembered at most (a benchmark's tenants fit many times over).
const DERIVED_CAP: usize = 1_000_000;

/// A tenant as a request names it, resolved to its canonical key and GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRef {
    /// Lowercased primary id (shared by all aliases).
    pub key: String,
    /// The `tid` claim: the tenant's GUID (derived from the id when it is a domain).
    pub guid: String,
    /// Index into the configured tenants, if configured.
    pub config: Option<usize>,
}

impl Registry {
    /// Build the directory from the config; fails on an unusable certificate.
    pub fn new(config: &EmulatorConfig) -> Result<Self, String> {
        let mut reg = Registry { tenants: config.tenants.clone(), ..Registry::default() };
        for (i, t) in config.tenants.iter().enumerate() {
            reg.tenant_index.insert(t.id.to_ascii_lowercase(), i);
            for a in &t.aliases {
                reg.tenant_index.insert(a.to_ascii_lowercase(), i);
            }
            if !is_guid(&t.id) && !t.aliases.iter().any(|a| is_guid(a)) {
                reg.tenant_index.entry(derived_guid(&t.id.to_ascii_lowercase())).or_insert(i);
            }
        }
        reg.unknown = config.unknown_tenants.iter().map(|t| t.to_ascii_lowercase()).collect();
        let test_cert = certs_from_pem(TEST_CLIENT_CERT_PEM.as_bytes())?;
        let mut app = Client {
            client_id: APP_CLIENT_ID.into(),
            display_name: "tenantrun emulator app".into(),
            secrets: vec![APP_CLIENT_SECRET.into()],
            ..Client::default()
        };
        for der in &test_cert {
            app.certs.push(registered_cert(der)?);
        }
        reg.clients.insert(APP_CLIENT_ID.into(), app);
        reg.clients.insert(
            PUBLIC_CLIENT_ID.into(),
            Client {
                client_id: PUBLIC_CLIENT_ID.into(),
                display_name: "Microsoft Exchange REST API Based Powershell".into(),
                public: true,
                ..Client::default()
            },
        );
        for c in &config.clients {
            let id = c.client_id.to_ascii_lowercase();
            let entry = reg.clients.entry(id.clone()).or_insert_with(|| Client {
                client_id: id.clone(),
                display_name: c.display_name.clone().unwrap_or_else(|| format!("app {id}")),
                ..Client::default()
            });
            entry.secrets.extend(c.secrets.iter().cloned());
            entry.expired_secrets.extend(c.expired_secrets.iter().cloned());
            entry.public |= c.public;
        }
        for (client_id, der) in &config.certificates {
            let id = client_id.to_ascii_lowercase();
            let cert = registered_cert(der)?;
            reg.clients
                .entry(id.clone())
                .or_insert_with(|| Client {
                    client_id: id.clone(),
                    display_name: format!("app {id}"),
                    ..Client::default()
                })
                .certs
                .push(cert);
        }
        for u in &config.users {
            reg.users.insert(
                u.upn.to_ascii_lowercase(),
                User {
                    upn: u.upn.clone(),
                    password: u.password.clone().unwrap_or_else(|| USER_PASSWORD.into()),
                    partner: u.partner,
                    mfa_required: u.mfa_required,
                },
            );
        }
        Ok(reg)
    }

    /// Resolve a tenant id from a URL; `None` for ids configured as unknown.
    pub fn tenant(&self, id: &str) -> Option<TenantRef> {
        let lower = id.to_ascii_lowercase();
        if self.unknown.contains(&lower) {
            return None;
        }
        match self.tenant_index.get(&lower) {
            Some(&i) => {
                let t = &self.tenants[i];
                let guid = std::iter::once(&t.id)
                    .chain(t.aliases.iter())
                    .find(|a| is_guid(a))
                    .map(|g| g.to_ascii_lowercase())
                    .unwrap_or_else(|| derived_guid(&t.id.to_ascii_lowercase()));
                Some(TenantRef { key: t.id.to_ascii_lowercase(), guid, config: Some(i) })
            }
            None if is_guid(&lower) => match self.derived.read().get(&lower) {
                Some(domain) => Some(TenantRef { key: domain.clone(), guid: lower, config: None }),
                None => Some(TenantRef { key: lower.clone(), guid: lower, config: None }),
            },
            None => {
                let guid = derived_guid(&lower);
                if !self.derived.read().contains_key(&guid) {
                    let mut map = self.derived.write();
                    if map.len() < DERIVED_CAP {
                        map.insert(guid.clone(), lower.clone());
                    }
                }
                Some(TenantRef { key: lower, guid, config: None })
            }
        }
    }

    /// The configuration of a resolved tenant.
    pub fn tenant_config(&self, t: &TenantRef) -> Option<&TenantConfig> {
        t.config.and_then(|i| self.tenants.get(i))
    }

    pub fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.get(&client_id.to_ascii_lowercase())
    }

    /// Whether `client_id` is consented (has a service principal) in tenant `t`.
    pub fn consented(&self, t: &TenantRef, client_id: &str) -> bool {
        self.tenant_config(t)
            .is_none_or(|c| !c.not_consented.iter().any(|n| n.eq_ignore_ascii_case(client_id)))
    }

    /// Look a user up: configured users, the partner admin, and `admin@<domain>` for any domain.
    pub fn user(&self, upn: &str) -> Option<User> {
        let lower = upn.to_ascii_lowercase();
        if let Some(u) = self.users.get(&lower) {
            return Some(u.clone());
        }
        if lower == PARTNER_UPN {
            return Some(User {
                upn: PARTNER_UPN.into(),
                password: USER_PASSWORD.into(),
                partner: true,
                mfa_required: false,
            });
        }
        let (local, domain) = lower.split_once('@')?;
        if local == "admin" && !domain.is_empty() {
            return Some(User {
                upn: lower.clone(),
                password: USER_PASSWORD.into(),
                partner: false,
                mfa_required: false,
            });
        }
        None
    }

    /// The home tenant of a user (its UPN domain), resolved.
    pub fn home_tenant(&self, user: &User) -> Option<TenantRef> {
        let domain = user.upn.rsplit_once('@')?.1;
        self.tenant(domain)
    }

    /// Whether `user` may act in tenant `t`: its home tenant, or any tenant for a partner.
    pub fn user_in_tenant(&self, user: &User, t: &TenantRef) -> bool {
        user.partner || self.home_tenant(user).is_some_and(|h| h.key == t.key)
    }
}

/// Whether `s` looks like a GUID.
pub fn is_guid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok()
}

/// A stable GUID for a domain-named tenant.
pub fn derived_guid(key: &str) -> String {
    let digest = sha2::Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// Parse every `CERTIFICATE` block of a PEM file into DER.
pub fn certs_from_pem(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut reader = std::io::BufReader::new(pem);
    let certs: Vec<Vec<u8>> = rustls_pemfile::certs(&mut reader)
        .map(|c| c.map(|d| d.to_vec()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    if certs.is_empty() {
        return Err("no CERTIFICATE block found".into());
    }
    Ok(certs)
}

/// Thumbprints and RSA public key of a certificate DER.
pub fn registered_cert(der: &[u8]) -> Result<RegisteredCert, String> {
    use x509_cert::der::Decode as _;
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let rsa_oid = x509_cert::der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    if spki.algorithm.oid != rsa_oid {
        return Err("only RSA certificates are supported".into());
    }
    let key = spki.subject_public_key.raw_bytes().to_vec();
    let mut sha1 = [0u8; 20];
    sha1.copy_from_slice(&sha1::Sha1::digest(der));
    let mut sha256 = [0u8; 32];
    sha256.copy_from_slice(&sha2::Sha256::digest(der));
    Ok(RegisteredCert { sha1, sha256, rsa_public_key: key })
}
