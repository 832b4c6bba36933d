//! `password`: the resource-owner password grant (ROPC), what `-Credential` does. It cannot
//! pass multi-factor authentication: Entra answers AADSTS50076/50079, mapped to an error that
//! says to use a `device_code` identity instead.

use super::error::{AuthError, AuthErrorKind};
use super::grant::{issued_from, map_request_error, GrantContext, Issued};
use super::transport::RecordingClient;
use crate::profile::SecretRef;
use oauth2::{ResourceOwnerPassword, ResourceOwnerUsername, Scope};

pub(crate) async fn acquire(
    cx: &GrantContext<'_>,
    client_id: &str,
    user: &str,
    password: &SecretRef,
) -> Result<Issued, AuthError> {
    let password = password.resolve().map_err(|e| {
        cx.error(AuthErrorKind::Configuration, format!("cannot read the password of {user}: {e}"))
    })?;
    crate::redact::remember(password.expose());
    let client = cx.oauth_client(client_id)?;
    let http = RecordingClient::new(cx.transport);
    let username = ResourceOwnerUsername::new(user.to_string());
    let secret = ResourceOwnerPassword::new(password.expose().to_string());
    client
        .exchange_password(&username, &secret)
        .add_scope(Scope::new(cx.default_scope()))
        .add_scope(Scope::new("offline_access".into()))
        .request_async(&http)
        .await
        .map(|r| issued_from(&r))
        .map_err(|e| map_request_error(&cx.error_context(Some(client_id)), &http, e, &[password.expose()]))
}
