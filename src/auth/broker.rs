//! [`TokenBroker`]: the one place tokens come from. Callers ask for (identity, environment,
//! tenant, resource); the broker answers from its cache or runs the identity kind's grant,
//! one flight per key, and keeps rotated refresh tokens.

use super::cache::{SlotKey, TokenCache};
use super::certificate::CertificateCredential;
use super::device_code::{DevicePrompt, LoginOutcome};
use super::error::{AuthError, AuthErrorKind};
use super::grant::{GrantContext, Issued};
use super::managed_identity::ManagedIdentityEndpoints;
use super::refresh_store::RefreshStore;
use super::token::AccessToken;
use super::transport::{Counters, Transport};
use super::{
    access_token, certificate, client_secret, device_code, managed_identity, password, refresh_token,
};
use crate::environment::{http_client, Environment};
use crate::profile::{Identity, IdentityKind, Secret};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Overrides the refresh-token cache folder (default: the user's cache dir + `tenantrun`).
pub const CACHE_DIR_ENV: &str = "TENANTRUN_CACHE_DIR";

/// How a broker behaves.
#[derive(Debug, Clone)]
pub struct BrokerOptions {
    /// Folder of the on-disk refresh-token cache; `None` keeps refresh tokens in memory only.
    pub cache_dir: Option<PathBuf>,
    /// Per-request timeout for identity endpoints.
    pub timeout: Duration,
    /// Renew a token this long before it expires (at most a quarter of its lifetime).
    pub renew_ahead: Duration,
    /// How often a 429/503 from a token endpoint is retried after its `Retry-After`.
    pub throttle_retries: u32,
    /// Managed identity endpoints (process environment by default).
    pub managed_identity: ManagedIdentityEndpoints,
}

impl Default for BrokerOptions {
    fn default() -> Self {
        BrokerOptions {
            cache_dir: None,
            timeout: Duration::from_secs(30),
            renew_ahead: Duration::from_secs(300),
            throttle_retries: 4,
            managed_identity: ManagedIdentityEndpoints::from_env(),
        }
    }
}

impl BrokerOptions {
    /// `$TENANTRUN_CACHE_DIR`, else `<user cache dir>/tenantrun` (e.g. `~/.cache/tenantrun`).
    pub fn default_cache_dir() -> Option<PathBuf> {
        match std::env::var_os(CACHE_DIR_ENV) {
            Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
            _ => dirs::cache_dir().map(|d| d.join("tenantrun")),
        }
    }
}

/// Counters since the broker was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TokenStats {
    /// HTTP requests sent to identity endpoints (token, device code, managed identity), retries included.
    pub requests: u64,
    /// Calls answered from the cache.
    pub cache_hits: u64,
}

/// Gets and caches tokens. Cheap to clone; share one per run.
#[derive(Clone)]
pub struct TokenBroker {
    inner: Arc<Inner>,
}

struct Inner {
    options: BrokerOptions,
    cache: TokenCache,
    refresh: RefreshStore,
    counters: Arc<Counters>,
    transports: Mutex<HashMap<String, Transport>>,
    certificates: Mutex<HashMap<String, Arc<CertificateCredential>>>,
}

impl TokenBroker {
    pub fn new(options: BrokerOptions) -> Self {
        TokenBroker {
            inner: Arc::new(Inner {
                refresh: RefreshStore::new(options.cache_dir.clone()),
                options,
                cache: TokenCache::default(),
                counters: Arc::new(Counters::default()),
                transports: Mutex::new(HashMap::new()),
                certificates: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// A token of `identity` for `tenant` and `resource` (e.g. `https://outlook.office365.com`):
    /// from the cache while it is fresh, else one request per key however many callers wait.
    pub async fn token(
        &self,
        identity: &Identity,
        env: &Environment,
        tenant: &str,
        resource: &str,
    ) -> Result<AccessToken, AuthError> {
        let key = SlotKey::new(&identity.name, env.authority.as_str(), tenant, resource);
        let slot = self.inner.cache.slot(key);
        if let Some(token) = slot.fresh() {
            self.inner.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(token);
        }
        let waiting_since = Instant::now();
        let _flight = slot.flight.lock().await;
        if let Some(token) = slot.fresh() {
            self.inner.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(token);
        }
        if let Some(err) = slot.failure_since(waiting_since) {
            return Err(err);
        }
        let started = Instant::now();
        match self.acquire(identity, env, tenant, resource).await {
            Ok(issued) => {
                tracing::info!(
                    target: "tenantrun::auth",
                    identity = %identity.name,
                    kind = identity.kind.name(),
                    tenant,
                    resource,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    expires_in_s = issued.access.remaining().as_secs(),
                    "token acquired"
                );
                slot.store(issued.access.clone(), self.inner.options.renew_ahead);
                Ok(issued.access)
            }
            Err(err) => {
                tracing::warn!(target: "tenantrun::auth", "{err}");
                slot.fail(err.clone());
                Err(err)
            }
        }
    }

    /// After a 401: drop the cached token if it is the `rejected` one, so the next call
    /// gets a new one (a token another caller renewed meanwhile is kept).
    pub fn invalidate(&self, identity: &Identity, tenant: &str, resource: &str, rejected: &Secret) {
        let slots = self.inner.cache.existing_for(&identity.name, tenant, resource);
        for slot in slots {
            slot.invalidate(rejected);
        }
    }

    /// Drop the cached access tokens of (`identity`, `tenant`) for every resource: a run
    /// calls this when a tenant has finished, so a 10,000-tenant run does not keep
    /// 10,000 tokens it will never use again. Rotated refresh tokens are kept.
    pub fn forget_tenant(&self, identity: &Identity, tenant: &str) {
        self.inner.cache.remove_tenant(&identity.name, tenant);
    }

    pub fn stats(&self) -> TokenStats {
        TokenStats {
            requests: self.inner.counters.requests.load(Ordering::Relaxed),
            cache_hits: self.inner.counters.cache_hits.load(Ordering::Relaxed),
        }
    }

    /// The on-disk refresh-token cache file, when configured.
    pub fn cache_file(&self) -> Option<PathBuf> {
        self.inner.refresh.disk_path()
    }

    /// `tenantrun login`: run the device-code flow for a `device_code` identity against its
    /// sign-in tenant, or for a `refresh_token` identity (a CSP partner admin) against the
    /// tenant of its `user_principal_name` (else `organizations`), and cache the refresh
    /// token under that identity, where its runs look first. `prompt` shows the code and URL.
    pub async fn login_device_code(
        &self,
        identity: &Identity,
        env: &Environment,
        resource: &str,
        prompt: impl FnOnce(&DevicePrompt),
    ) -> Result<LoginOutcome, AuthError> {
        let (client_id, user, tenant) = match &identity.kind {
            IdentityKind::DeviceCode { client_id, user_principal_name, tenant } => {
                (client_id, user_principal_name.as_deref(), tenant.clone())
            }
            IdentityKind::RefreshToken { client_id, user_principal_name, .. } => {
                let upn = user_principal_name.as_deref();
                let home = upn.and_then(|u| u.rsplit_once('@')).map(|(_, domain)| domain.to_string());
                (client_id, upn, home.unwrap_or_else(|| "organizations".to_string()))
            }
            other => {
                return Err(AuthError::new(
                    AuthErrorKind::Configuration,
                    &identity.name,
                    "-",
                    format!("identity `{}` is of kind {}, not device_code", identity.name, other.name()),
                )
                .with_hint("`tenantrun login` signs in device_code and refresh_token identities only"))
            }
        };
        let transport = self.transport(env, &tenant, &identity.name)?;
        let cx = GrantContext { identity, env, tenant: &tenant, resource, transport: &transport };
        device_code::login(&cx, &self.inner.refresh, client_id, user, prompt).await
    }

    fn transport(&self, env: &Environment, tenant: &str, identity: &str) -> Result<Transport, AuthError> {
        let key = format!("{}|{}", env.name, env.authority);
        let mut transports = self.inner.transports.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = transports.get(&key) {
            return Ok(t.clone());
        }
        let client = http_client(env, self.inner.options.timeout, crate::environment::IDLE_PER_HOST_FEW)
            .map_err(|e| AuthError::new(AuthErrorKind::Configuration, identity, tenant, e.to_string()))?;
        let t = Transport::new(client, self.inner.counters.clone(), self.inner.options.throttle_retries);
        transports.insert(key, t.clone());
        Ok(t)
    }

    fn certificate(
        &self,
        identity: &Identity,
        cx: &GrantContext<'_>,
    ) -> Result<Arc<CertificateCredential>, AuthError> {
        let IdentityKind::Certificate { certificate, .. } = &identity.kind else {
            return Err(cx.error(AuthErrorKind::Configuration, "not a certificate identity"));
        };
        let mut certs = self.inner.certificates.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = certs.get(&identity.name) {
            return Ok(c.clone());
        }
        let loaded = CertificateCredential::load(certificate).map_err(|e| {
            cx.error(AuthErrorKind::Configuration, e)
                .with_hint("check the identity's certificate path, key and password")
        })?;
        let loaded = Arc::new(loaded);
        certs.insert(identity.name.clone(), loaded.clone());
        Ok(loaded)
    }

    async fn acquire(
        &self,
        identity: &Identity,
        env: &Environment,
        tenant: &str,
        resource: &str,
    ) -> Result<Issued, AuthError> {
        let transport = self.transport(env, tenant, &identity.name)?;
        let cx = GrantContext { identity, env, tenant, resource, transport: &transport };
        let refresh = &self.inner.refresh;
        match &identity.kind {
            IdentityKind::Certificate { client_id, .. } => {
                let credential = self.certificate(identity, &cx)?;
                certificate::acquire(&cx, client_id, &credential).await
            }
            IdentityKind::ClientSecret { client_id, client_secret } => {
                client_secret::acquire(&cx, client_id, client_secret).await
            }
            IdentityKind::RefreshToken { client_id, refresh_token, .. } => {
                refresh_token::acquire(&cx, refresh, client_id, refresh_token).await
            }
            IdentityKind::DeviceCode { client_id, .. } => device_code::acquire(&cx, refresh, client_id).await,
            IdentityKind::Password { client_id, user_principal_name, password } => {
                password::acquire(&cx, client_id, user_principal_name, password).await
            }
            IdentityKind::ManagedIdentity { client_id } => {
                managed_identity::acquire(&cx, &self.inner.options.managed_identity, client_id.as_deref())
                    .await
            }
            IdentityKind::AccessToken { token } => access_token::acquire(&cx, token),
        }
    }
}
