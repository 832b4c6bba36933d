//! `refresh_token`: CSP partner / GDAP delegated admin. The partner's refresh token is
//! exchanged at each *customer* tenant's token endpoint (`AUTHORITY/<customer>/oauth2/v2.0/token`)
//! for that tenant's token; the rotated refresh token in each answer is kept (memory and disk
//! cache), and a cached token wins over the profile's possibly stale value.

use super::error::{AuthError, AuthErrorKind};
use super::grant::{issued_from, map_request_error, GrantContext, Issued};
use super::refresh_store::RefreshStore;
use super::transport::RecordingClient;
use crate::profile::{Secret, SecretRef};
use oauth2::{RefreshToken, Scope};

pub(crate) async fn acquire(
    cx: &GrantContext<'_>,
    store: &RefreshStore,
    client_id: &str,
    profile_token: &SecretRef,
) -> Result<Issued, AuthError> {
    let key = RefreshStore::key(cx.identity, cx.env);
    let cached = store.get(&key);
    // The profile's value is read only when needed: a cached token makes it optional.
    let from_profile = match (&cached, profile_token.resolve()) {
        (_, Ok(s)) => {
            crate::redact::remember(s.expose());
            Some(s)
        }
        (Some(_), Err(_)) => None,
        (None, Err(e)) => {
            let name = &cx.identity.name;
            return Err(cx
                .error(AuthErrorKind::Configuration, format!("cannot read the refresh token: {e}"))
                .with_hint(format!(
                    "run `tenantrun login PROFILE --identity {name}` once on this machine (device-code \
                     sign-in; the refresh token is cached), or store a refresh token where the profile says"
                )));
        }
    };
    let mut candidates: Vec<Secret> = cached.into_iter().collect();
    if let Some(p) = from_profile {
        if !candidates.contains(&p) {
            candidates.push(p);
        }
    }
    let mut last_err = None;
    for rt in candidates {
        match redeem(cx, store, &key, client_id, &rt).await {
            Ok(issued) => return Ok(issued),
            // A refused cached token may be older than a newly provisioned profile value.
            Err(e) if e.kind() == AuthErrorKind::SignInExpired => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| cx.error(AuthErrorKind::Configuration, "no refresh token")))
}

/// Exchange `rt` at the target tenant's token endpoint and keep the rotated refresh token.
pub(crate) async fn redeem(
    cx: &GrantContext<'_>,
    store: &RefreshStore,
    key: &str,
    client_id: &str,
    rt: &Secret,
) -> Result<Issued, AuthError> {
    let client = cx.oauth_client(client_id)?;
    let http = RecordingClient::new(cx.transport);
    let token = RefreshToken::new(rt.expose().to_string());
    let response = client
        .exchange_refresh_token(&token)
        .add_scope(Scope::new(cx.default_scope()))
        .add_scope(Scope::new("offline_access".into()))
        .request_async(&http)
        .await
        .map_err(|e| map_request_error(&cx.error_context(Some(client_id)), &http, e, &[rt.expose()]))?;
    let issued = issued_from(&response);
    if let Some(rotated) = &issued.refresh {
        if let Err(e) = store.put(key, rotated) {
            tracing::warn!(target: "tenantrun::auth", "{e}");
        }
    }
    Ok(issued)
}
