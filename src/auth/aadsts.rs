//! Entra's AADSTS codes and OAuth error values → [`AuthError`]s that say what to do.
//! Entra sends `400 invalid_client` with `AADSTS…` in `error_description`; other OAuth
//! servers (oidc-provider) send `401 invalid_client`: both land here.

use super::error::{AuthError, AuthErrorKind};

/// Who asked for what, to phrase the error.
#[derive(Debug, Clone)]
pub(crate) struct ErrorContext<'a> {
    pub identity: &'a str,
    /// The identity kind as written in profiles (`device_code`, ...).
    pub kind: &'static str,
    pub tenant: &'a str,
    pub client_id: Option<&'a str>,
    /// `AUTHORITY/` with its trailing slash.
    pub authority: &'a str,
}

impl ErrorContext<'_> {
    pub fn error(&self, kind: AuthErrorKind, message: impl Into<String>) -> AuthError {
        AuthError::new(kind, self.identity, self.tenant, message)
    }

    fn admin_consent_url(&self) -> String {
        format!("{}{}/adminconsent?client_id={}", self.authority, self.tenant, self.client_id.unwrap_or(""))
    }

    fn login_again(&self) -> String {
        match self.kind {
            "device_code" => format!("run `tenantrun login PROFILE --identity {}` again", self.identity),
            "refresh_token" => format!(
                "sign the partner account in again and update the refresh token of identity `{}`",
                self.identity
            ),
            _ => "sign in again".to_string(),
        }
    }
}

/// The numeric AADSTS code in an `error_description` (`AADSTS7000215: ...`).
pub(crate) fn aadsts_code(description: &str) -> Option<u32> {
    let at = description.find("AADSTS")?;
    let digits: String = description[at + 6..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Classify an OAuth error answer. `description` must already be scrubbed.
pub(crate) fn classify(
    cx: &ErrorContext<'_>,
    status: Option<u16>,
    error: &str,
    description: Option<&str>,
) -> AuthError {
    let desc = crate::server_text::clean(description.unwrap_or(""));
    let desc = desc.trim();
    let error = &*crate::server_text::clean_line(error);
    let code = aadsts_code(desc);
    let tenant = cx.tenant;
    let client = cx.client_id.unwrap_or("?");
    let detail = if desc.is_empty() { error.to_string() } else { format!("{error}: {desc}") };
    let (kind, message, hint): (AuthErrorKind, String, String) = match code {
        Some(7000215) => (
            AuthErrorKind::InvalidCredentials,
            format!("invalid client secret for app {client} ({detail})"),
            "use the secret's Value (not its Secret ID) from the app registration's Certificates & secrets"
                .into(),
        ),
        Some(7000222) => (
            AuthErrorKind::ExpiredCredentials,
            format!("the client secret of app {client} has expired ({detail})"),
            "create a new client secret for the app and update the profile's secret reference".into(),
        ),
        Some(700027) => (
            AuthErrorKind::InvalidCredentials,
            format!("the certificate is not registered for app {client} ({detail})"),
            "upload the certificate (.cer) to the app registration's Certificates & secrets, or point the \
             identity at the registered certificate"
                .into(),
        ),
        Some(700016) => (
            AuthErrorKind::AppNotInTenant,
            format!("application {client} is not present in tenant {tenant} ({detail})"),
            format!("an administrator of {tenant} must consent to the app: {}", cx.admin_consent_url()),
        ),
        Some(65001) => (
            AuthErrorKind::ConsentRequired,
            format!("consent to app {client} is missing in tenant {tenant} ({detail})"),
            format!("an administrator of {tenant} must grant consent: {}", cx.admin_consent_url()),
        ),
        Some(50076) | Some(50079) => (
            AuthErrorKind::MfaRequired,
            format!("multi-factor authentication is required in tenant {tenant} ({detail})"),
            "a password (ROPC) sign-in cannot pass MFA: use a device_code identity and `tenantrun login`, \
             or an app-only certificate identity"
                .into(),
        ),
        Some(70043) | Some(700082) | Some(700084) | Some(50173) => (
            AuthErrorKind::SignInExpired,
            format!("the refresh token has expired or was revoked ({detail})"),
            cx.login_again(),
        ),
        Some(90002) | Some(900023) => (
            AuthErrorKind::UnknownTenant,
            format!("tenant {tenant} was not found at {} ({detail})", cx.authority),
            "check the tenant id or domain, and that the tenant's environment (cloud) is the right one"
                .into(),
        ),
        Some(50126) => (
            AuthErrorKind::InvalidCredentials,
            format!("invalid user name or password ({detail})"),
            "check the identity's user_principal_name and password".into(),
        ),
        Some(50034) => (
            AuthErrorKind::InvalidCredentials,
            format!("the user account does not exist in tenant {tenant} ({detail})"),
            "check the identity's user_principal_name".into(),
        ),
        Some(50055) | Some(50057) => (
            AuthErrorKind::ExpiredCredentials,
            format!("the account's password has expired or the account is disabled ({detail})"),
            "reset the account in Entra ID, then update the profile's secret".into(),
        ),
        _ => return classify_plain(cx, status, error, &detail, code),
    };
    cx.error(kind, message)
        .with_hint(hint)
        .with_status(status)
        .with_code(code.map(|c| format!("AADSTS{c}")).or_else(|| Some(error.to_string())))
}

/// OAuth errors without a known AADSTS code.
fn classify_plain(
    cx: &ErrorContext<'_>,
    status: Option<u16>,
    error: &str,
    detail: &str,
    code: Option<u32>,
) -> AuthError {
    let (kind, message, hint): (AuthErrorKind, String, String) = match error {
        "invalid_client" | "unauthorized_client" => (
            AuthErrorKind::InvalidCredentials,
            format!("the token endpoint rejected the client credentials ({detail})"),
            "check the identity's client_id and its secret or certificate".into(),
        ),
        "invalid_grant" if matches!(cx.kind, "refresh_token" | "device_code") => (
            AuthErrorKind::SignInExpired,
            format!("the refresh token was rejected ({detail})"),
            cx.login_again(),
        ),
        "invalid_grant" => (
            AuthErrorKind::InvalidCredentials,
            format!("the grant was rejected ({detail})"),
            "check the identity's credentials".into(),
        ),
        "consent_required" | "interaction_required" => (
            AuthErrorKind::ConsentRequired,
            format!("consent or interaction is required ({detail})"),
            format!("an administrator of {} must grant consent: {}", cx.tenant, cx.admin_consent_url()),
        ),
        "invalid_scope" | "invalid_target" | "invalid_resource" => (
            AuthErrorKind::Rejected,
            format!("the resource or scope was refused ({detail})"),
            "check the environment's resource_exchange / resource_compliance".into(),
        ),
        "temporarily_unavailable" | "slow_down" => (
            AuthErrorKind::Throttled,
            format!("the token endpoint is busy ({detail})"),
            "retry later or lower --concurrency".into(),
        ),
        _ if status == Some(429) => (
            AuthErrorKind::Throttled,
            format!("the token endpoint kept throttling ({detail})"),
            "retry later or lower --concurrency".into(),
        ),
        _ => (
            AuthErrorKind::Rejected,
            format!("the token endpoint refused the request ({detail})"),
            "check the identity's settings for this tenant".into(),
        ),
    };
    cx.error(kind, message)
        .with_hint(hint)
        .with_status(status)
        .with_code(code.map(|c| format!("AADSTS{c}")).or_else(|| Some(error.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(kind: &'static str) -> ErrorContext<'static> {
        ErrorContext {
            identity: "partner",
            kind,
            tenant: "fabrikam.example",
            client_id: Some("app-1"),
            authority: "https://login.microsoftonline.com/",
        }
    }

    #[test]
    fn every_documented_code_maps_to_an_actionable_kind() {
        let cases = [
            (7000215, AuthErrorKind::InvalidCredentials),
            (700016, AuthErrorKind::AppNotInTenant),
            (65001, AuthErrorKind::ConsentRequired),
            (50076, AuthErrorKind::MfaRequired),
            (50079, AuthErrorKind::MfaRequired),
            (70043, AuthErrorKind::SignInExpired),
            (700082, AuthErrorKind::SignInExpired),
            (90002, AuthErrorKind::UnknownTenant),
            (7000222, AuthErrorKind::ExpiredCredentials),
            (700027, AuthErrorKind::InvalidCredentials),
        ];
        for (code, kind) in cases {
            let e =
                classify(&cx("certificate"), Some(400), "invalid_client", Some(&format!("AADSTS{code}: x")));
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.code(), Some(format!("AADSTS{code}").as_str()));
            assert!(e.to_string().contains("fabrikam.example"), "{e}");
            assert!(e.hint().is_some());
        }
    }

    #[test]
    fn app_not_in_tenant_prints_the_admin_consent_url() {
        let e = classify(&cx("certificate"), Some(400), "unauthorized_client", Some("AADSTS700016: no app"));
        assert!(
            e.to_string()
                .contains("https://login.microsoftonline.com/fabrikam.example/adminconsent?client_id=app-1"),
            "{e}"
        );
    }

    #[test]
    fn expired_refresh_token_says_run_login_again() {
        let e = classify(&cx("device_code"), Some(400), "invalid_grant", Some("AADSTS700082: expired"));
        assert!(e.to_string().contains("tenantrun login PROFILE --identity partner"), "{e}");
        let e = classify(&cx("device_code"), Some(400), "invalid_grant", None);
        assert_eq!(e.kind(), AuthErrorKind::SignInExpired);
    }

    #[test]
    fn oidc_provider_401_invalid_client_is_invalid_credentials() {
        let e =
            classify(&cx("client_secret"), Some(401), "invalid_client", Some("client authentication failed"));
        assert_eq!(e.kind(), AuthErrorKind::InvalidCredentials);
        assert_eq!(e.status(), Some(401));
    }

    #[test]
    fn parses_codes() {
        assert_eq!(aadsts_code("AADSTS7000215: Invalid client secret"), Some(7000215));
        assert_eq!(aadsts_code("no code"), None);
    }
}
