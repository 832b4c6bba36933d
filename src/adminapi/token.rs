//! Where a tenant session gets its bearer tokens. The runner binds a
//! [`crate::auth::TokenBroker`] to one identity, environment and tenant; tests can
//! supply a fixed token.

use super::error::{ApiError, ErrorKind};
use crate::profile::Secret;
use futures_util::future::BoxFuture;

/// Tokens for one tenant session, per resource (audience).
pub trait TokenSource: Send + Sync {
    /// A valid access token for `resource`; failures are `ErrorKind::Auth` and say what to do.
    fn token<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<Secret, ApiError>>;
    /// The service rejected `rejected` (401): drop it from the cache if it is still
    /// the cached token for `resource` (another request may already have renewed it).
    fn invalidate(&self, resource: &str, rejected: &Secret);
}

/// A token that never changes (`access_token` identities, tests).
pub struct StaticToken(pub Secret);

impl TokenSource for StaticToken {
    fn token<'a>(&'a self, _resource: &'a str) -> BoxFuture<'a, Result<Secret, ApiError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
    fn invalidate(&self, _resource: &str, _rejected: &Secret) {}
}

/// An auth failure as an [`ApiError`].
pub fn auth_error(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorKind::Auth, message)
}
