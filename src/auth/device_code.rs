//! `device_code`: interactive sign-in with MFA. `tenantrun login` runs the device flow once
//! (code + URL shown to the user, polling at the server's `interval` — 5 s when absent —, slower
//! after `slow_down`, stopping on `expired_token`/`access_denied`, never polling a code again
//! after it succeeded) and stores the refresh token in the disk cache. Runs then redeem that
//! refresh token per tenant, unattended; without one they say to run `tenantrun login`.

use super::error::{AuthError, AuthErrorKind};
use super::grant::{issued_from, map_request_error, GrantContext, Issued};
use super::refresh_store::RefreshStore;
use super::refresh_token::redeem;
use super::token::AccessToken;
use super::transport::RecordingClient;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, DeviceAuthorizationUrl, DeviceCodeErrorResponseType, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse, TokenUrl,
};
use std::path::PathBuf;
use std::time::Duration;

/// What the user must do to approve the sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
    /// The polling interval in use (the server's, or 5 s when it sent none).
    pub interval: Duration,
}

/// A finished `login`.
#[derive(Debug)]
pub struct LoginOutcome {
    /// Where the refresh token was stored; `None` when no disk cache is configured.
    pub cached_in: Option<PathBuf>,
    /// The access token obtained by the sign-in itself.
    pub access: AccessToken,
}

/// Run time: redeem the cached refresh token at the target tenant.
pub(crate) async fn acquire(
    cx: &GrantContext<'_>,
    store: &RefreshStore,
    client_id: &str,
) -> Result<Issued, AuthError> {
    let key = RefreshStore::key(cx.identity, cx.env);
    let Some(rt) = store.get(&key) else {
        let name = &cx.identity.name;
        return Err(cx
            .error(AuthErrorKind::Configuration, format!("identity `{name}` has no cached sign-in"))
            .with_hint(format!("run `tenantrun login PROFILE --identity {name}` once on this machine")));
    };
    redeem(cx, store, &key, client_id, &rt).await
}

/// The device-code flow at `AUTHORITY/<sign-in tenant>/oauth2/v2.0/devicecode`.
pub(crate) async fn login(
    cx: &GrantContext<'_>,
    store: &RefreshStore,
    client_id: &str,
    user: Option<&str>,
    prompt: impl FnOnce(&DevicePrompt),
) -> Result<LoginOutcome, AuthError> {
    let base = format!("{}{}/oauth2/v2.0", cx.env.authority, cx.tenant);
    let bad_url =
        |e: url::ParseError| cx.error(AuthErrorKind::Configuration, format!("invalid authority URL: {e}"));
    let client = BasicClient::new(ClientId::new(client_id.to_string()))
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(format!("{base}/devicecode")).map_err(bad_url)?,
        )
        .set_token_uri(TokenUrl::new(format!("{base}/token")).map_err(bad_url)?)
        .set_auth_type(AuthType::RequestBody);
    let http = RecordingClient::new(cx.transport);
    let errcx = cx.error_context(Some(client_id));
    let mut request = client
        .exchange_device_code()
        .add_scope(Scope::new(cx.default_scope()))
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()));
    if let Some(upn) = user {
        request = request.add_extra_param("login_hint", upn.to_string());
    }
    let details: StandardDeviceAuthorizationResponse =
        request.request_async(&http).await.map_err(|e| map_request_error(&errcx, &http, e, &[]))?;
    // Shown on the terminal: server text, cleaned of control sequences (SPEC §9).
    let shown = |t: &str| crate::server_text::clean_line(t).into_owned();
    prompt(&DevicePrompt {
        user_code: shown(details.user_code().secret()),
        verification_uri: shown(&details.verification_uri().to_string()),
        verification_uri_complete: details.verification_uri_complete().map(|u| shown(u.secret())),
        expires_in: details.expires_in(),
        interval: details.interval(),
    });
    let device_code = details.device_code().secret().to_string();
    let response = client
        .exchange_device_access_token(&details)
        .request_async(&http, tokio::time::sleep, None)
        .await
        .map_err(|e| {
            let ended = match &e {
                RequestTokenError::ServerResponse(r) => match r.error() {
                    DeviceCodeErrorResponseType::ExpiredToken => Some(true),
                    DeviceCodeErrorResponseType::AccessDenied => Some(false),
                    _ => None,
                },
                _ => None,
            };
            let name = &cx.identity.name;
            match ended {
                Some(true) => cx
                    .error(AuthErrorKind::SignInExpired, "the code expired before the sign-in was completed")
                    .with_code(Some("expired_token".into()))
                    .with_hint(format!("run `tenantrun login PROFILE --identity {name}` again")),
                Some(false) => cx
                    .error(AuthErrorKind::Rejected, "the sign-in was declined")
                    .with_code(Some("access_denied".into()))
                    .with_hint("approve the request in the browser, with an account allowed to administer the tenants"),
                None => map_request_error(&errcx, &http, e, &[device_code.as_str()]),
            }
        })?;
    let issued = issued_from(&response);
    let Some(rt) = &issued.refresh else {
        return Err(cx
            .error(AuthErrorKind::Protocol, "the sign-in succeeded but no refresh token was issued")
            .with_hint("the scope `offline_access` must be allowed for the client"));
    };
    let key = RefreshStore::key(cx.identity, cx.env);
    store.put(&key, rt).map_err(|e| cx.error(AuthErrorKind::Configuration, e.to_string()))?;
    Ok(LoginOutcome { cached_in: store.disk_path(), access: issued.access })
}
