//! Secrets a server may echo back are removed from every text tenantrun keeps or shows
//! (SPEC §9, issue #9 item 6): error messages, `@adminapi.warnings`, log lines — and so
//! `results.jsonl`, stdout and stderr, which are built from them.
//!
//! The process keeps one registry of what to look for: the secrets of every identity used so
//! far (client secrets, passwords, refresh tokens, client assertions), and every access token
//! the token cache holds, each in every encoding a request carried it in — raw, form-encoded
//! (`a%2Bb`, `+` for a space), percent-encoded (`%20`), and base64 where an HTTP Basic header
//! carried `client_id:secret`. [`scrub`] replaces each occurrence with `<redacted>`. Access
//! tokens leave the registry when the cache drops them, so the registry stays as small as the
//! set of tenants in flight.

use base64::Engine as _;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, RwLock};

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Shorter values are not looked for (they would match ordinary text).
const MIN_SECRET_LEN: usize = 4;

#[derive(Default)]
struct Registry {
    /// Identity secrets: kept for the life of the process.
    lasting: HashSet<String>,
    /// Access tokens, by how many cache slots hold them.
    held: HashMap<String, usize>,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(Default::default);

fn registry_mut() -> std::sync::RwLockWriteGuard<'static, Registry> {
    REGISTRY.write().unwrap_or_else(|p| p.into_inner())
}

/// Every form of `secret` a request may have carried.
pub fn encodings(secret: &str) -> Vec<String> {
    let mut all = vec![secret.to_string()];
    all.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    all.push(percent_encode(secret));
    all.sort();
    all.dedup();
    all.retain(|s| s.len() >= MIN_SECRET_LEN);
    all
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn percent_encode(s: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(s, RESERVED).to_string()
}

/// The `Authorization: Basic` value's base64 for `client_id:secret`, as sent raw and with
/// both parts form-encoded first (RFC 6749 §2.3.1).
pub fn basic_credentials(client_id: &str, secret: &str) -> Vec<String> {
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    vec![b64(format!("{client_id}:{secret}")), b64(format!("{}:{}", form(client_id), form(secret)))]
}

/// Remember an identity's secret (and its encodings) for the rest of the process.
pub fn remember(secret: &str) {
    let needles = encodings(secret);
    if needles.is_empty() {
        return;
    }
    let mut r = registry_mut();
    for n in needles {
        r.lasting.insert(n);
    }
}

/// Remember a client secret that may have travelled in a Basic header.
pub fn remember_client_secret(client_id: &str, secret: &str) {
    remember(secret);
    let mut r = registry_mut();
    for b in basic_credentials(client_id, secret) {
        r.lasting.insert(b);
    }
}

/// An access token entered the token cache.
pub fn hold(token: &str) {
    let mut r = registry_mut();
    for n in encodings(token) {
        *r.held.entry(n).or_default() += 1;
    }
}

/// An access token left the token cache.
pub fn release(token: &str) {
    let mut r = registry_mut();
    for n in encodings(token) {
        if let Some(count) = r.held.get_mut(&n) {
            *count -= 1;
            if *count == 0 {
                r.held.remove(&n);
            }
        }
    }
}

/// `text` with every registered secret, and every encoding of `extra`, replaced by
/// [`REDACTED`]. Text without any is returned as is.
pub fn scrub<'a>(text: &'a str, extra: &[&str]) -> Cow<'a, str> {
    let r = REGISTRY.read().unwrap_or_else(|p| p.into_inner());
    let extra: Vec<String> = extra.iter().flat_map(|s| encodings(s)).collect();
    let mut needles: Vec<&str> = r
        .lasting
        .iter()
        .chain(r.held.keys())
        .map(String::as_str)
        .chain(extra.iter().map(String::as_str))
        .collect();
    if !needles.iter().any(|n| text.contains(n)) {
        return Cow::Borrowed(text);
    }
    // Longest first: a secret that contains another is replaced whole.
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = text.to_string();
    for n in needles {
        if out.contains(n) {
            out = out.replace(n, REDACTED);
        }
    }
    Cow::Owned(out)
}

/// [`scrub`] in place.
pub fn scrub_string(text: &mut String) {
    if let Cow::Owned(clean) = scrub(text, &[]) {
        *text = clean;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_is_found() {
        let secret = "unit-test a+b/c=d~é";
        remember_client_secret("unit-client", secret);
        let form = "client_secret=unit-test+a%2Bb%2Fc%3Dd%7E%C3%A9&grant_type=x";
        assert_eq!(scrub(form, &[]), "client_secret=<redacted>&grant_type=x");
        assert_eq!(scrub("q=unit-test%20a%2Bb%2Fc%3Dd~%C3%A9", &[]), "q=<redacted>");
        assert_eq!(scrub("raw unit-test a+b/c=d~é!", &[]), "raw <redacted>!");
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("unit-client:{secret}"));
        assert_eq!(scrub(&format!("Authorization: Basic {basic}"), &[]), "Authorization: Basic <redacted>");
        assert!(matches!(scrub("nothing here", &[]), Cow::Borrowed(_)));
    }

    #[test]
    fn held_tokens_leave_when_released() {
        let token = "eyJunit.held-token.sig";
        hold(token);
        hold(token);
        assert_eq!(scrub("Bearer eyJunit.held-token.sig", &[]), "Bearer <redacted>");
        release(token);
        assert_eq!(scrub("Bearer eyJunit.held-token.sig", &[]), "Bearer <redacted>", "still held once");
        release(token);
        assert_eq!(scrub("Bearer eyJunit.held-token.sig", &[]), "Bearer eyJunit.held-token.sig");
        assert_eq!(scrub("x extra-secret y", &["extra-secret"]), "x <redacted> y");
        assert_eq!(scrub("abc", &["ab"]), "abc", "too short to look for");
    }
}
