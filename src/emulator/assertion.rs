//! Certificate client assertions: the RS256 JWT a confidential client signs with its
//! certificate's key. Verified like Entra does: `x5t`/`x5t#S256` names a registered
//! certificate, the signature verifies with its key, `aud` is this token endpoint,
//! `iss` = `sub` = client id, `exp`/`nbf` hold, and the `jti` was never seen before.

use super::entra_error::{codes, EntraError};
use super::jwt::now;
use super::registry::Client;
use super::state::State;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use parking_lot::Mutex;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;

/// Clock skew tolerated on `exp`/`nbf`, seconds.
const SKEW: u64 = 300;

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    #[serde(default)]
    aud: Option<serde_json::Value>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    jti: Option<String>,
    #[serde(default, deserialize_with = "numeric_date")]
    exp: Option<u64>,
    #[serde(default, deserialize_with = "numeric_date")]
    nbf: Option<u64>,
}

/// An RFC 7519 NumericDate: seconds since the epoch, possibly fractional (MSAL Python
/// writes `time.time()`) or negative. Read saturating into whole seconds: a fraction is
/// dropped, a negative or NaN value is 0, anything beyond `u64::MAX` is `u64::MAX`.
fn numeric_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let value = Option::<serde_json::Number>::deserialize(d)?;
    Ok(value.map(|n| match (n.as_u64(), n.as_i64(), n.as_f64()) {
        (Some(u), _, _) => u,
        (None, Some(_negative), _) => 0,
        // `as` saturates float-to-int conversions (NaN becomes 0).
        (None, None, Some(f)) => f as u64,
        (None, None, None) => 0,
    }))
}

/// Assertion ids already used, with their expiry (for purging).
#[derive(Debug, Default)]
pub struct JtiStore {
    seen: Mutex<HashMap<String, u64>>,
}

impl JtiStore {
    /// Record `jti` of `client`; false when already used.
    pub(super) fn insert(&self, client: &str, jti: &str, exp: u64) -> bool {
        let mut seen = self.seen.lock();
        if seen.len() > 100_000 {
            let cutoff = now().saturating_sub(SKEW);
            seen.retain(|_, e| *e >= cutoff);
        }
        seen.insert(format!("{client}|{jti}"), exp).is_none()
    }
}

/// Verify `assertion` of `client`, sent to a token endpoint; `audiences` are that endpoint's
/// URLs (the tenant named by domain and by GUID), the first the one addressed.
pub fn verify(
    state: &State,
    client: &Client,
    audiences: &[String],
    assertion: &str,
) -> Result<(), EntraError> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|e| codes::bad_assertion(&format!("The header cannot be decoded: {e}.")))?;
    if header.alg != Algorithm::RS256 && header.alg != Algorithm::PS256 {
        return Err(codes::bad_assertion(&format!("Unsupported algorithm {:?}.", header.alg)));
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let decode = |s: &str| b64.decode(s.trim_end_matches('=')).ok();
    let (sha1, sha256) =
        (header.x5t.as_deref().and_then(decode), header.x5t_s256.as_deref().and_then(decode));
    if sha1.is_none() && sha256.is_none() {
        return Err(codes::bad_assertion("The assertion header has no 'x5t' or 'x5t#S256'."));
    }
    let cert = client
        .certs
        .iter()
        .find(|c| sha1.as_deref() == Some(&c.sha1[..]) || sha256.as_deref() == Some(&c.sha256[..]));
    let Some(cert) = cert else {
        let thumb: String = sha1.or(sha256).unwrap_or_default().iter().map(|b| format!("{b:02X}")).collect();
        return Err(codes::cert_not_registered(&client.client_id, &thumb));
    };
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let key = DecodingKey::from_rsa_der(&cert.rsa_public_key);
    let data = jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation).map_err(|e| match e
        .kind()
    {
        jsonwebtoken::errors::ErrorKind::InvalidSignature => codes::bad_assertion_signature(),
        _ => codes::bad_assertion(&format!("The claims cannot be read: {e}.")),
    })?;
    state.counters.assertions_verified.fetch_add(1, Relaxed);
    let claims = data.claims;
    let auds: Vec<String> = match &claims.aud {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => {
            a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
        }
        _ => Vec::new(),
    };
    let accepted = |a: &String| audiences.iter().any(|e| a.trim_end_matches('/').eq_ignore_ascii_case(e));
    if !auds.iter().any(accepted) {
        let expected = audiences.first().map(String::as_str).unwrap_or_default();
        return Err(codes::assertion_audience(&auds.join(","), expected));
    }
    let id = &client.client_id;
    if !claims.iss.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(id))
        || !claims.sub.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(id))
    {
        return Err(codes::assertion_issuer());
    }
    let t = now();
    let exp = claims.exp.ok_or_else(|| codes::bad_assertion("The assertion has no 'exp' claim."))?;
    if exp.saturating_add(SKEW) < t || claims.nbf.is_some_and(|n| n > t.saturating_add(SKEW)) {
        return Err(codes::assertion_expired());
    }
    let jti = claims.jti.ok_or_else(|| codes::bad_assertion("The assertion has no 'jti' claim."))?;
    if !state.jti.insert(id, &jti, exp) {
        return Err(codes::assertion_replayed());
    }
    Ok(())
}
