//! The `X-AnchorMailbox` header (SPEC §4): app-only sessions anchor on the tenant's
//! system mailbox, delegated ones on the signed-in user; a tenant may override the
//! anchor or bypass anchoring altogether.

use base64::Engine;

/// The system mailbox app-only sessions anchor on.
pub const SYSTEM_MAILBOX: &str = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

/// Who the session acts as, for anchoring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An application (certificate, client secret, managed identity).
    App,
    /// A user; `None` when the profile does not name one (taken from the token then).
    User(Option<String>),
    /// Unknown until the token is read (`access_token` identities).
    FromToken,
}

/// Settings that decide the anchor for one tenant session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorPolicy {
    pub principal: Principal,
    /// The tenant's `anchor_mailbox` override, sent verbatim.
    pub override_value: Option<String>,
    /// `bypass_mailbox_anchoring`: send no anchor.
    pub bypass: bool,
}

impl AnchorPolicy {
    /// The header value for `tenant`, given the access token (read only for its
    /// `upn` claim when the profile does not name the user). `None` = no header.
    pub fn header(&self, tenant: &str, token: &str) -> Option<String> {
        if self.bypass {
            return None;
        }
        if let Some(v) = &self.override_value {
            return Some(v.clone());
        }
        let app = || format!("APP:{SYSTEM_MAILBOX}@{tenant}");
        match &self.principal {
            Principal::App => Some(app()),
            Principal::User(Some(upn)) => Some(format!("UPN:{upn}")),
            Principal::User(None) | Principal::FromToken => match token_upn(token) {
                Some(upn) => Some(format!("UPN:{upn}")),
                None => Some(app()),
            },
        }
    }
}

/// The claims of a JWT, read without verifying it (the service verifies the token).
fn claims(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The tenant GUID a token was issued in (`tid`): the admin API may name the tenant by it.
pub fn token_tenant(token: &str) -> Option<String> {
    claims(token)?.get("tid")?.as_str().filter(|t| !t.is_empty()).map(str::to_string)
}

/// The `upn` (or `unique_name`) claim of a JWT, read without verifying it: it only
/// picks the anchor.
pub fn token_upn(token: &str) -> Option<String> {
    let claims = claims(token)?;
    ["upn", "unique_name", "preferred_username"]
        .iter()
        .find_map(|k| claims.get(*k).and_then(|v| v.as_str()).filter(|s| s.contains('@')).map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", e.encode(r#"{"alg":"RS256"}"#), e.encode(claims))
    }

    fn policy(principal: Principal) -> AnchorPolicy {
        AnchorPolicy { principal, override_value: None, bypass: false }
    }

    #[test]
    fn app_only_anchors_on_system_mailbox() {
        assert_eq!(
            policy(Principal::App).header("contoso.onmicrosoft.com", "t").as_deref(),
            Some("APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com")
        );
    }

    #[test]
    fn delegated_anchors_on_user_named_or_from_token() {
        assert_eq!(
            policy(Principal::User(Some("admin@partner.example".into()))).header("t.example", "x").as_deref(),
            Some("UPN:admin@partner.example")
        );
        let token = jwt(r#"{"upn":"ops@fabrikam.us","tid":"x"}"#);
        assert_eq!(policy(Principal::User(None)).header("t", &token).as_deref(), Some("UPN:ops@fabrikam.us"));
        assert_eq!(policy(Principal::FromToken).header("t", &token).as_deref(), Some("UPN:ops@fabrikam.us"));
        let app_token = jwt(r#"{"appid":"x"}"#);
        assert!(policy(Principal::FromToken).header("t", &app_token).is_some_and(|h| h.starts_with("APP:")));
    }

    #[test]
    fn override_and_bypass() {
        let mut p = policy(Principal::App);
        p.override_value = Some("UPN:ops@fabrikam.us".into());
        assert_eq!(p.header("t", "x").as_deref(), Some("UPN:ops@fabrikam.us"));
        p.bypass = true;
        assert_eq!(p.header("t", "x"), None);
    }
}
