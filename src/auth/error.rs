//! [`AuthError`]: why no token could be had, naming the tenant and the identity and saying
//! what to do. Built only from safe parts: server descriptions are scrubbed of every secret
//! the request carried before they are kept.

use std::fmt;

/// What went wrong, coarse enough for a program to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthErrorKind {
    /// The identity's own setup: a secret or certificate that cannot be read, no cached sign-in.
    Configuration,
    /// The server rejected the credentials (bad secret, unknown certificate, wrong password).
    InvalidCredentials,
    /// The credentials were valid once but have expired (client secret past its end date).
    ExpiredCredentials,
    /// The application does not exist in the target tenant (no admin consent there).
    AppNotInTenant,
    /// The user or administrator has not consented to the permissions.
    ConsentRequired,
    /// The sign-in needs multi-factor authentication, which this kind cannot do.
    MfaRequired,
    /// The refresh token or sign-in expired or was revoked: sign in again.
    SignInExpired,
    /// The tenant does not exist in this cloud.
    UnknownTenant,
    /// The identity cannot sign in to this tenant (managed identity of another tenant).
    WrongTenant,
    /// The token endpoint kept answering 429/503.
    Throttled,
    /// The token endpoint could not be reached.
    Network,
    /// The server answered something that is not a valid token response.
    Protocol,
    /// Any other refusal by the server.
    Rejected,
}

impl AuthErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthErrorKind::Configuration => "configuration",
            AuthErrorKind::InvalidCredentials => "invalid_credentials",
            AuthErrorKind::ExpiredCredentials => "expired_credentials",
            AuthErrorKind::AppNotInTenant => "app_not_in_tenant",
            AuthErrorKind::ConsentRequired => "consent_required",
            AuthErrorKind::MfaRequired => "mfa_required",
            AuthErrorKind::SignInExpired => "sign_in_expired",
            AuthErrorKind::UnknownTenant => "unknown_tenant",
            AuthErrorKind::WrongTenant => "wrong_tenant",
            AuthErrorKind::Throttled => "throttled",
            AuthErrorKind::Network => "network",
            AuthErrorKind::Protocol => "protocol",
            AuthErrorKind::Rejected => "rejected",
        }
    }
}

impl fmt::Display for AuthErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// No token for (identity, tenant). `Display` is a complete, secret-free message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError(Box<Details>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Details {
    kind: AuthErrorKind,
    identity: String,
    tenant: String,
    message: String,
    hint: Option<String>,
    status: Option<u16>,
    code: Option<String>,
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, identity: &str, tenant: &str, message: impl Into<String>) -> Self {
        AuthError(Box::new(Details {
            kind,
            identity: identity.to_string(),
            tenant: tenant.to_string(),
            message: message.into(),
            hint: None,
            status: None,
            code: None,
        }))
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }

    pub(crate) fn with_status(mut self, status: Option<u16>) -> Self {
        self.0.status = status;
        self
    }

    pub(crate) fn with_code(mut self, code: Option<String>) -> Self {
        self.0.code = code;
        self
    }

    pub fn kind(&self) -> AuthErrorKind {
        self.0.kind
    }
    /// The tenant the token was asked for.
    pub fn tenant(&self) -> &str {
        &self.0.tenant
    }
    /// The identity's name in the profile.
    pub fn identity(&self) -> &str {
        &self.0.identity
    }
    /// What happened, without the tenant/identity prefix or the hint.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }
    /// HTTP status of the identity endpoint's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }
    /// `AADSTS<n>` when Entra sent one, else the OAuth `error` value.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        write!(f, "tenant `{}`, identity `{}`: {}", d.tenant, d.identity, d.message)?;
        if let Some(hint) = &d.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthError {}

/// Replace every secret value in `text` — `secrets` and everything [`crate::redact`] holds, in
/// every encoding — and keep its first line only, at most 300 characters.
/// Control characters and escape sequences go first ([`crate::server_text`]): a secret a
/// server echoed with an escape sequence inside it is still found.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let first = text.lines().next().unwrap_or("");
    let cleaned = crate::server_text::clean_line(first);
    let mut out = crate::redact::scrub(cleaned.trim(), secrets).into_owned();
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_tenant_identity_and_hint() {
        let e = AuthError::new(AuthErrorKind::UnknownTenant, "app", "nope.example", "tenant not found")
            .with_hint("check the id");
        assert_eq!(
            e.to_string(),
            "tenant `nope.example`, identity `app`: tenant not found (hint: check the id)"
        );
        assert_eq!(e.kind().as_str(), "unknown_tenant");
    }

    #[test]
    fn scrub_cleans_before_it_looks_for_secrets() {
        let echoed = "bad secret s3cr\u{1b}[0met-value\u{7} \u{1b}]0;title\u{7}ok\nsecond line";
        assert_eq!(scrub(echoed, &["s3cret-value"]), "bad secret <redacted> ok");
    }

    #[test]
    fn scrub_removes_secrets_and_extra_lines() {
        let s = scrub("bad secret s3cr3t+/=\r\nTrace ID: 1", &["s3cr3t+/="]);
        assert_eq!(s, "bad secret <redacted>");
    }
}
