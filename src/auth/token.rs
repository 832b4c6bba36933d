//! An access token, and the few claims tenantrun reads from a JWT *without verifying it*
//! (expiry, tenant): the resource server verifies tokens, we only schedule renewals.

use crate::profile::Secret;
use base64::Engine as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A bearer token for one (identity, tenant, resource). `value` redacts in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub value: Secret,
    pub expires_at: SystemTime,
}

impl AccessToken {
    /// Time left before expiry (zero when already expired).
    pub fn remaining(&self) -> Duration {
        self.expires_at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO)
    }
}

/// Claims of interest, read from an unverified JWT.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Deserialize)]
pub(crate) struct PeekedClaims {
    pub exp: Option<u64>,
    pub tid: Option<String>,
    /// A string or an array of strings.
    pub aud: Option<serde_json::Value>,
}

impl PeekedClaims {
    /// Whether `resource` is one of the audiences (trailing slashes ignored).
    pub fn has_audience(&self, resource: &str) -> Option<bool> {
        let want = resource.trim_end_matches('/');
        let same = |v: &serde_json::Value| v.as_str().is_some_and(|a| a.trim_end_matches('/') == want);
        match self.aud.as_ref()? {
            serde_json::Value::Array(items) => Some(items.iter().any(same)),
            v => Some(same(v)),
        }
    }
}

/// Decode the payload of a compact JWT without checking its signature.
/// `None` when the value is not a JWT (opaque tokens are fine).
pub(crate) fn peek_claims(token: &str) -> Option<PeekedClaims> {
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    parts.next()?;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The longest lifetime believed from a server: an `expires_in`, `expires_on` or JWT `exp`
/// further away is taken as this (a token that dies sooner is renewed on its first 401). No
/// number a server sends can overflow a time (SPEC §9).
pub(crate) const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Expiry `lifetime` from now, at most [`MAX_TOKEN_LIFETIME`].
pub(crate) fn expires_after(lifetime: Duration) -> SystemTime {
    SystemTime::now() + lifetime.min(MAX_TOKEN_LIFETIME)
}

/// Expiry at `secs` after the Unix epoch, at most [`MAX_TOKEN_LIFETIME`] from now.
pub(crate) fn expires_at_unix(secs: u64) -> SystemTime {
    let latest = expires_after(MAX_TOKEN_LIFETIME);
    UNIX_EPOCH.checked_add(Duration::from_secs(secs)).map_or(latest, |t| t.min(latest))
}

/// The JWT `exp` claim as a time.
pub(crate) fn jwt_expiry(token: &str) -> Option<SystemTime> {
    peek_claims(token)?.exp.map(expires_at_unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", e.encode(r#"{"alg":"none"}"#), e.encode(payload))
    }

    #[test]
    fn reads_exp_and_tid() {
        let exp = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
        let t = jwt(&format!(r#"{{"exp":{exp},"tid":"contoso"}}"#));
        assert_eq!(jwt_expiry(&t), Some(UNIX_EPOCH + Duration::from_secs(exp)));
        assert_eq!(peek_claims(&t).and_then(|c| c.tid).as_deref(), Some("contoso"));
    }

    #[test]
    fn huge_lifetimes_saturate() {
        let t = jwt(&format!(r#"{{"exp":{}}}"#, u64::MAX));
        let at = jwt_expiry(&t).unwrap();
        let left = at.duration_since(SystemTime::now()).unwrap();
        assert!(
            left <= MAX_TOKEN_LIFETIME && left > MAX_TOKEN_LIFETIME - Duration::from_secs(60),
            "{left:?}"
        );
        let left = expires_after(Duration::from_secs(u64::MAX)).duration_since(SystemTime::now()).unwrap();
        assert!(left <= MAX_TOKEN_LIFETIME, "{left:?}");
        assert_eq!(expires_at_unix(0), UNIX_EPOCH);
    }

    #[test]
    fn opaque_tokens_have_no_claims() {
        assert_eq!(peek_claims("opaque"), None);
        assert_eq!(peek_claims("a.b"), None);
        assert_eq!(jwt_expiry("a.%%%.c"), None);
    }
}
