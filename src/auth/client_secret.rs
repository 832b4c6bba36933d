//! `client_secret`: app-only client credentials with a secret, posted in the form body
//! (form-encoded by the `oauth2` crate, so `+ / = % ~` survive).

use super::error::{AuthError, AuthErrorKind};
use super::grant::{issued_from, map_request_error, GrantContext, Issued};
use super::transport::RecordingClient;
use crate::profile::SecretRef;
use oauth2::{ClientSecret, Scope};

pub(crate) async fn acquire(
    cx: &GrantContext<'_>,
    client_id: &str,
    secret: &SecretRef,
) -> Result<Issued, AuthError> {
    if matches!(secret, SecretRef::BuiltIn(_)) && !cx.env.is_emulator {
        // The well-known secret is public: it never goes to a real sign-in service.
        return Err(cx.error(
            AuthErrorKind::Configuration,
            format!(
                "the built-in `emulator` identity is refused on environment `{}`; it only signs in to the \
                 built-in emulator (hint: declare an identity for this environment)",
                cx.env.name
            ),
        ));
    }
    let secret = secret
        .resolve()
        .map_err(|e| cx.error(AuthErrorKind::Configuration, format!("cannot read the client secret: {e}")))?;
    crate::redact::remember_client_secret(client_id, secret.expose());
    let client =
        cx.oauth_client(client_id)?.set_client_secret(ClientSecret::new(secret.expose().to_string()));
    let http = RecordingClient::new(cx.transport);
    client
        .exchange_client_credentials()
        .add_scope(Scope::new(cx.default_scope()))
        .request_async(&http)
        .await
        .map(|r| issued_from(&r))
        .map_err(|e| map_request_error(&cx.error_context(Some(client_id)), &http, e, &[secret.expose()]))
}
