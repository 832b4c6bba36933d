//! What every grant shares: the request context (identity, environment, tenant, resource),
//! Entra's endpoint URLs, and turning an `oauth2` token answer — or its error — into an
//! [`AccessToken`] or an [`AuthError`].

use super::aadsts::{classify, ErrorContext};
use super::error::{scrub, AuthError, AuthErrorKind};
use super::token::{expires_after, jwt_expiry, AccessToken};
use super::transport::{RecordingClient, Transport, TransportError};
use crate::environment::{certificate_problem, Environment, CA_FILE_HINT};
use crate::profile::{Identity, Secret};
use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{AuthType, ClientId, EndpointNotSet, EndpointSet, RequestTokenError, TokenResponse, TokenUrl};
use std::time::{Duration, SystemTime};

/// A token answer: the access token and, for delegated grants, the (rotated) refresh token.
#[derive(Debug)]
pub(crate) struct Issued {
    pub access: AccessToken,
    pub refresh: Option<Secret>,
}

/// One token request: who, where, for which tenant and resource.
pub(crate) struct GrantContext<'a> {
    pub identity: &'a Identity,
    pub env: &'a Environment,
    pub tenant: &'a str,
    pub resource: &'a str,
    pub transport: &'a Transport,
}

/// The oauth2 client type used for token requests (only the token URL set).
pub(crate) type TokenClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

impl<'a> GrantContext<'a> {
    /// `AUTHORITY/<tenant>/oauth2/v2.0/token`.
    pub fn token_url(&self) -> String {
        token_url(self.env, self.tenant)
    }

    /// `<resource>/.default`.
    pub fn default_scope(&self) -> String {
        default_scope(self.resource)
    }

    pub fn error_context(&self, client_id: Option<&'a str>) -> ErrorContext<'a> {
        ErrorContext {
            identity: &self.identity.name,
            kind: self.identity.kind.name(),
            tenant: self.tenant,
            client_id,
            authority: self.env.authority.as_str(),
        }
    }

    pub fn error(&self, kind: AuthErrorKind, message: impl Into<String>) -> AuthError {
        AuthError::new(kind, &self.identity.name, self.tenant, message)
    }

    /// An oauth2 client for `client_id` posting credentials in the body, as MSAL does.
    pub fn oauth_client(&self, client_id: &str) -> Result<TokenClient, AuthError> {
        let url = TokenUrl::new(self.token_url()).map_err(|e| {
            self.error(AuthErrorKind::Configuration, format!("invalid token endpoint URL: {e}"))
        })?;
        Ok(BasicClient::new(ClientId::new(client_id.to_string()))
            .set_token_uri(url)
            .set_auth_type(AuthType::RequestBody))
    }
}

pub(crate) fn token_url(env: &Environment, tenant: &str) -> String {
    format!("{}{}/oauth2/v2.0/token", env.authority, tenant)
}

pub(crate) fn default_scope(resource: &str) -> String {
    format!("{}/.default", resource.trim_end_matches('/'))
}

/// Convert a standard token response, reading the expiry from `expires_in`, else the JWT.
pub(crate) fn issued_from(response: &BasicTokenResponse) -> Issued {
    let value = response.access_token().secret().to_string();
    let expires_at = expiry(&value, response.expires_in());
    Issued {
        access: AccessToken { value: Secret::new(value), expires_at },
        refresh: response.refresh_token().map(|r| Secret::new(r.secret().to_string())),
    }
}

/// When a token expires: `expires_in` if given, else its JWT `exp`, else ten minutes.
pub(crate) fn expiry(value: &str, expires_in: Option<Duration>) -> SystemTime {
    match expires_in {
        Some(d) => expires_after(d),
        None => jwt_expiry(value).unwrap_or_else(|| expires_after(Duration::from_secs(600))),
    }
}

/// Map an oauth2 request error to an [`AuthError`]; `secrets` are scrubbed from any text kept.
pub(crate) fn map_request_error<TE>(
    cx: &ErrorContext<'_>,
    http: &RecordingClient,
    err: RequestTokenError<TransportError, TE>,
    secrets: &[&str],
) -> AuthError
where
    TE: oauth2::ErrorResponse + 'static,
{
    let status = http.last_status();
    match err {
        RequestTokenError::ServerResponse(body) => {
            let v = serde_json::to_value(&body).unwrap_or_default();
            let error = v.get("error").and_then(|e| e.as_str()).unwrap_or("error").to_string();
            let desc = v.get("error_description").and_then(|e| e.as_str()).map(|d| scrub(d, secrets));
            classify(cx, status, &scrub(&error, secrets), desc.as_deref())
        }
        RequestTokenError::Request(TransportError::TooLarge) => {
            cx.error(AuthErrorKind::Protocol, TransportError::TooLarge.to_string()).with_status(status)
        }
        RequestTokenError::Request(TransportError::Http(e)) if certificate_problem(&e).is_some() => {
            let problem = certificate_problem(&e).unwrap_or_default();
            cx.error(AuthErrorKind::Network, format!("the token endpoint at {} {problem}", cx.authority))
                .with_hint(CA_FILE_HINT)
        }
        RequestTokenError::Request(e) => cx
            .error(
                AuthErrorKind::Network,
                format!("cannot reach the token endpoint: {}", scrub(&e.to_string(), secrets)),
            )
            .with_hint("check the network path to the environment's authority (proxy, firewall, DNS)"),
        RequestTokenError::Parse(..) | RequestTokenError::Other(_)
            if matches!(status, Some(429) | Some(503)) =>
        {
            cx.error(AuthErrorKind::Throttled, "the token endpoint kept throttling (429/503)")
                .with_status(status)
                .with_hint("retry later or lower --concurrency")
        }
        RequestTokenError::Parse(e, _) => cx
            .error(
                AuthErrorKind::Protocol,
                format!(
                    "the token endpoint answered HTTP {} with an unreadable body ({})",
                    status.map(|s| s.to_string()).unwrap_or_else(|| "?".into()),
                    scrub(&e.path().to_string(), secrets)
                ),
            )
            .with_status(status)
            .with_hint("check that the environment's authority is an Entra ID (OAuth 2.0) endpoint"),
        RequestTokenError::Other(text) => {
            cx.error(AuthErrorKind::Protocol, scrub(&text, secrets)).with_status(status)
        }
    }
}
