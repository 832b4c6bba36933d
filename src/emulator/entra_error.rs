//! Entra ID (AADSTS) error bodies, shaped exactly as the v2 token endpoint sends them.

use super::http::{json, with_header, Req, Resp};
use hyper::StatusCode;

/// An Entra token-endpoint error: OAuth `error`, AADSTS number and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraError {
    pub error: &'static str,
    pub code: u32,
    pub message: String,
    pub suberror: Option<&'static str>,
}

impl EntraError {
    pub fn new(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        EntraError { error, code, message: message.into(), suberror: None }
    }

    pub fn with_suberror(mut self, s: &'static str) -> Self {
        self.suberror = Some(s);
        self
    }

    /// The JSON body and status, with a fresh correlation id.
    pub fn response(&self) -> Resp {
        self.answer(None)
    }

    /// The answer to `req`: its `client-request-id` (a GUID) becomes the correlation id,
    /// echoed in the body and in the `client-request-id` header, as Entra does.
    pub fn respond_to(&self, req: &Req) -> Resp {
        let id = req.header("client-request-id").and_then(|v| uuid::Uuid::try_parse(v.trim()).ok());
        self.answer(id.map(|u| u.to_string()))
    }

    /// HTTP status Entra uses: 401 for `invalid_client`, 400 for every other token error.
    pub fn status(&self) -> StatusCode {
        if self.error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        }
    }

    fn answer(&self, correlation_id: Option<String>) -> Resp {
        let trace_id = uuid::Uuid::new_v4().to_string();
        let correlation_id = correlation_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let now = time::OffsetDateTime::now_utc();
        let ts = now
            .format(&time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z"))
            .unwrap_or_default();
        // Entra separates the message, trace id, correlation id and timestamp with CRLF.
        let description = format!(
            "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {ts}",
            self.code, self.message
        );
        let mut body = serde_json::json!({
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": ts,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        if let Some(s) = self.suberror {
            body["suberror"] = serde_json::Value::String(s.into());
        }
        let r = json(self.status(), &body);
        with_header(r, "client-request-id", &correlation_id)
    }
}

/// The AADSTS errors the emulator produces.
pub mod codes {
    use super::EntraError;

    pub fn missing_parameter(name: &str) -> EntraError {
        EntraError::new(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }
    pub fn unsupported_grant(grant: &str) -> EntraError {
        EntraError::new(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant}'."),
        )
    }
    pub fn tenant_not_found(tenant: &str) -> EntraError {
        EntraError::new(
            "invalid_request",
            90002,
            format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
        )
    }
    pub fn app_not_found(client_id: &str, tenant: &str) -> EntraError {
        EntraError::new(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        )
    }
    pub fn invalid_secret(client_id: &str) -> EntraError {
        EntraError::new(
            "invalid_client",
            7000215,
            format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        )
    }
    pub fn expired_secret(client_id: &str) -> EntraError {
        EntraError::new(
            "invalid_client",
            7000222,
            format!("The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."),
        )
    }
    pub fn credential_required() -> EntraError {
        EntraError::new(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    }
    pub fn cert_not_registered(client_id: &str, thumb: &str) -> EntraError {
        EntraError::new(
            "invalid_client",
            700027,
            format!("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumb}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]"),
        )
    }
    pub fn bad_assertion_signature() -> EntraError {
        EntraError::new("invalid_client", 700027, "Client assertion failed signature validation.")
    }
    pub fn bad_assertion(reason: &str) -> EntraError {
        EntraError::new("invalid_client", 50027, format!("JWT token is invalid or malformed. {reason}"))
    }
    pub fn assertion_audience(aud: &str, expected: &str) -> EntraError {
        EntraError::new(
            "invalid_client",
            700212,
            format!("No matching federated identity record found for presented assertion audience '{aud}'. The audience must be the token endpoint '{expected}'."),
        )
    }
    pub fn assertion_expired() -> EntraError {
        EntraError::new("invalid_client", 700024, "Client assertion is not within its valid time range.")
    }
    pub fn assertion_issuer() -> EntraError {
        EntraError::new(
            "invalid_client",
            700023,
            "Client assertion audience claim does not match Realm issuer, or iss/sub is not the client id.",
        )
    }
    pub fn assertion_replayed() -> EntraError {
        EntraError::new(
            "invalid_client",
            500212,
            "The client assertion has already been used (jti replay). Send a new assertion for each token request.",
        )
    }
    pub fn invalid_scope(scope: &str) -> EntraError {
        EntraError::new(
            "invalid_scope",
            70011,
            format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid: '{scope}'. The scope must be '<resource>/.default'."),
        )
    }
    pub fn client_credentials_scope(scope: &str) -> EntraError {
        EntraError::new(
            "invalid_scope",
            1002012,
            format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
        )
    }
    pub fn tenant_required(tenant: &str) -> EntraError {
        EntraError::new(
            "invalid_request",
            900023,
            format!("Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain. The client credentials flow needs a tenant: send the request to /{{tenant id or domain}}/oauth2/v2.0/token, not /{tenant}."),
        )
    }
    pub fn unknown_resource(resource: &str, tenant: &str) -> EntraError {
        EntraError::new(
            "invalid_resource",
            500011,
            format!("The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."),
        )
    }
    pub fn mfa_required() -> EntraError {
        EntraError::new(
            "invalid_grant",
            50076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
        )
        .with_suberror("basic_action")
    }
    pub fn not_consented(client_id: &str) -> EntraError {
        EntraError::new(
            "invalid_grant",
            65001,
            format!("The user or administrator has not consented to use the application with ID '{client_id}' named 'tenantrun'. Send an interactive authorization request for this user and resource."),
        )
        .with_suberror("consent_required")
    }
    pub fn sign_in_frequency() -> EntraError {
        EntraError::new(
            "invalid_grant",
            70043,
            "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued and was inactive for too long.",
        )
        .with_suberror("bad_token")
    }
    pub fn refresh_expired() -> EntraError {
        EntraError::new(
            "invalid_grant",
            700082,
            "The refresh token has expired due to inactivity. The token was issued and was inactive for too long.",
        )
        .with_suberror("bad_token")
    }
    pub fn refresh_revoked() -> EntraError {
        EntraError::new(
            "invalid_grant",
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
        )
        .with_suberror("bad_token")
    }
    pub fn refresh_malformed() -> EntraError {
        EntraError::new("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
    }
    pub fn refresh_client_mismatch() -> EntraError {
        EntraError::new(
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed: the refresh token was issued to a different client.",
        )
    }
    pub fn bad_password() -> EntraError {
        EntraError::new(
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        )
    }
    pub fn user_not_in_tenant(upn: &str, tenant: &str) -> EntraError {
        EntraError::new(
            "invalid_grant",
            50020,
            format!("User account '{upn}' from identity provider does not exist in tenant '{tenant}' and cannot access the application in that tenant."),
        )
    }
    pub fn unknown_user(tenant: &str) -> EntraError {
        EntraError::new(
            "invalid_grant",
            50034,
            format!("The user account {{EmailHidden}} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory."),
        )
    }
    pub fn public_client_only(client_id: &str) -> EntraError {
        EntraError::new(
            "invalid_client",
            7000218,
            format!("The request body must contain the following parameter: 'client_assertion' or 'client_secret' (client '{client_id}' is not a public client)."),
        )
    }
    pub fn authorization_pending() -> EntraError {
        EntraError::new(
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )
    }
    pub fn slow_down() -> EntraError {
        EntraError::new(
            "slow_down",
            70016,
            "OAuth 2.0 device flow error. Polling faster than the announced interval; slow down.",
        )
    }
    pub fn device_expired() -> EntraError {
        EntraError::new("expired_token", 70019, "Verification code expired.")
    }
    pub fn device_code_unknown() -> EntraError {
        EntraError::new("invalid_grant", 70000, "Provided grant is invalid or malformed.")
    }
    pub fn device_code_redeemed() -> EntraError {
        EntraError::new("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
    }
}
