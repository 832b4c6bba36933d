//! `access_token`: a token handed in by a pipeline (env or file), used as is. Its expiry is
//! read from the JWT `exp` claim when the token is a JWT (not verified: the service verifies).

use super::error::{AuthError, AuthErrorKind};
use super::grant::{GrantContext, Issued};
use super::token::{jwt_expiry, peek_claims, AccessToken};
use crate::profile::SecretRef;
use std::time::{Duration, SystemTime};

pub(crate) fn acquire(cx: &GrantContext<'_>, token: &SecretRef) -> Result<Issued, AuthError> {
    let value = token
        .resolve()
        .map_err(|e| cx.error(AuthErrorKind::Configuration, format!("cannot read the access token: {e}")))?;
    if let Some(false) = peek_claims(value.expose()).and_then(|c| c.has_audience(cx.resource)) {
        return Err(cx
            .error(AuthErrorKind::Configuration, format!("the access token from {token} is not for {}", cx.resource))
            .with_hint(format!(
                "hand in a token whose audience is {} (one token serves one service), or use another identity kind",
                cx.resource
            )));
    }
    let expires_at = match jwt_expiry(value.expose()) {
        Some(exp) if exp <= SystemTime::now() => {
            let ago = SystemTime::now().duration_since(exp).unwrap_or_default().as_secs();
            return Err(cx
                .error(
                    AuthErrorKind::SignInExpired,
                    format!("the access token from {token} expired {ago} s ago"),
                )
                .with_hint("hand in a fresh token (an access_token identity is used as is, never renewed)"));
        }
        Some(exp) => exp,
        // Opaque token: trust it for an hour; a 401 invalidates it and it is read again.
        None => SystemTime::now() + Duration::from_secs(3600),
    };
    Ok(Issued { access: AccessToken { value, expires_at }, refresh: None })
}
