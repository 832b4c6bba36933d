//! Token sources backed by the profile's identities through
//! [`crate::auth::TokenBroker`] (cached per identity, tenant and resource; renewed
//! ahead of expiry; single-flight), bound to one tenant session.

use super::engine::TokenProvider;
use crate::adminapi::token::auth_error;
use crate::adminapi::{ApiError, TokenSource};
use crate::auth::{BrokerOptions, TokenBroker};
use crate::environment::Environment;
use crate::profile::{Identity, Secret};
use futures_util::future::BoxFuture;
use std::sync::Arc;

/// The provider used by `run` and `plan --check`: one broker shared by every tenant.
#[derive(Clone)]
pub struct BrokerTokens {
    broker: TokenBroker,
}

impl BrokerTokens {
    /// A broker with the on-disk refresh-token cache (where `login` stores it). Identity
    /// endpoints get the profile's per-request `timeout` when it is longer than the
    /// broker's default (a short admin API timeout must not starve sign-in).
    pub fn new(timeout: std::time::Duration) -> Self {
        let defaults = BrokerOptions::default();
        let options = BrokerOptions {
            cache_dir: BrokerOptions::default_cache_dir(),
            timeout: timeout.max(defaults.timeout),
            ..defaults
        };
        BrokerTokens { broker: TokenBroker::new(options) }
    }

    pub fn with_broker(broker: TokenBroker) -> Self {
        BrokerTokens { broker }
    }
}

/// The broker bound to (identity, environment, tenant).
struct Bound {
    broker: TokenBroker,
    identity: Identity,
    env: Arc<Environment>,
    tenant: String,
}

impl TokenSource for Bound {
    fn token<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<Secret, ApiError>> {
        Box::pin(async move {
            self.broker
                .token(&self.identity, &self.env, &self.tenant, resource)
                .await
                .map(|t| t.value)
                .map_err(|e| auth_error(e.to_string()))
        })
    }

    fn invalidate(&self, resource: &str, rejected: &Secret) {
        self.broker.invalidate(&self.identity, &self.tenant, resource, rejected);
    }
}

impl TokenProvider for BrokerTokens {
    fn source(&self, identity: &Identity, env: &Arc<Environment>, tenant: &str) -> Arc<dyn TokenSource> {
        Arc::new(Bound {
            broker: self.broker.clone(),
            identity: identity.clone(),
            env: env.clone(),
            tenant: tenant.to_string(),
        })
    }

    fn stats(&self) -> (u64, u64) {
        let s = self.broker.stats();
        (s.requests, s.cache_hits)
    }

    fn release(&self, identity: &Identity, tenant: &str) {
        self.broker.forget_tenant(identity, tenant);
    }
}
