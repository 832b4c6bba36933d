//! `managed_identity` (`-ManagedIdentity [-ManagedIdentityAccountId]`): App Service, Functions
//! and Automation expose `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`
//! (`GET $IDENTITY_ENDPOINT?resource=..&api-version=2019-08-01`, header `X-IDENTITY-HEADER`);
//! VMs and AKS use IMDS (`http://169.254.169.254/metadata/identity/oauth2/token`, header
//! `Metadata: true`). System-assigned by default, user-assigned with `client_id`.
//! A managed identity signs in to its own tenant only: asking for another tenant is an error
//! that says so.

use super::error::{AuthError, AuthErrorKind};
use super::grant::{GrantContext, Issued};
use super::token::{peek_claims, AccessToken};
use crate::profile::Secret;
use std::time::Duration;
use url::Url;

/// The well-known IMDS token endpoint.
pub const IMDS_TOKEN_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";
/// Overrides the IMDS endpoint (tests, proxies): a full token endpoint URL.
pub const IMDS_ENV: &str = "TENANTRUN_IMDS_ENDPOINT";

/// Where managed-identity tokens come from; read from the process environment by default.
#[derive(Clone)]
pub struct ManagedIdentityEndpoints {
    /// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` (App Service style), when both are set.
    pub identity_endpoint: Option<(Url, Secret)>,
    /// The IMDS token endpoint.
    pub imds: Url,
}

impl std::fmt::Debug for ManagedIdentityEndpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedIdentityEndpoints")
            .field("identity_endpoint", &self.identity_endpoint.as_ref().map(|(u, _)| u.as_str()))
            .field("imds", &self.imds.as_str())
            .finish()
    }
}

impl ManagedIdentityEndpoints {
    /// `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, and `TENANTRUN_IMDS_ENDPOINT` or the IMDS address.
    pub fn from_env() -> Self {
        let identity_endpoint = match (std::env::var("IDENTITY_ENDPOINT"), std::env::var("IDENTITY_HEADER")) {
            (Ok(e), Ok(h)) if !e.is_empty() && !h.is_empty() => {
                Url::parse(&e).ok().map(|u| (u, Secret::new(h)))
            }
            _ => None,
        };
        let imds = std::env::var(IMDS_ENV)
            .ok()
            .and_then(|v| Url::parse(&v).ok())
            .or_else(|| Url::parse(IMDS_TOKEN_ENDPOINT).ok());
        ManagedIdentityEndpoints {
            identity_endpoint,
            imds: imds
                .unwrap_or_else(|| Url::parse("http://169.254.169.254/").unwrap_or_else(|e| panic!("{e}"))),
        }
    }
}

impl Default for ManagedIdentityEndpoints {
    fn default() -> Self {
        Self::from_env()
    }
}

/// Both endpoint styles answer this shape; numbers may come as strings.
#[derive(serde::Deserialize)]
struct MiResponse {
    access_token: String,
    #[serde(default)]
    expires_on: Option<serde_json::Value>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

fn as_u64(v: &Option<serde_json::Value>) -> Option<u64> {
    match v.as_ref()? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) async fn acquire(
    cx: &GrantContext<'_>,
    endpoints: &ManagedIdentityEndpoints,
    client_id: Option<&str>,
) -> Result<Issued, AuthError> {
    let resource = cx.resource.trim_end_matches('/');
    let (mut url, header, header_value, source) = match &endpoints.identity_endpoint {
        Some((url, secret)) => {
            crate::redact::remember(secret.expose());
            (url.clone(), "X-IDENTITY-HEADER", secret.clone(), "IDENTITY_ENDPOINT")
        }
        None => (endpoints.imds.clone(), "Metadata", Secret::new("true"), "IMDS"),
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("resource", resource);
        q.append_pair("api-version", if source == "IMDS" { "2018-02-01" } else { "2019-08-01" });
        if let Some(id) = client_id {
            q.append_pair("client_id", id);
        }
    }
    let request = oauth2::http::Request::builder()
        .method("GET")
        .uri(url.as_str())
        .header(header, header_value.expose())
        .header("Accept", "application/json")
        .body(Vec::new())
        .map_err(|e| {
            cx.error(AuthErrorKind::Configuration, format!("invalid managed identity endpoint: {e}"))
        })?;
    let response = cx.transport.execute(request).await.map_err(|e| {
        cx.error(
            AuthErrorKind::Network,
            format!("cannot reach the managed identity endpoint ({source}): {e}"),
        )
        .with_hint(
            "managed_identity works only on Azure compute with an identity assigned \
                 (App Service, Functions, Automation, VM, AKS)",
        )
    })?;
    let status = response.status().as_u16();
    if status != 200 {
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
        let msg = body
            .get("error_description")
            .or_else(|| body.get("message"))
            .or_else(|| body.pointer("/error/message"))
            .and_then(|v| v.as_str())
            .map(|s| super::error::scrub(s, &[header_value.expose()]))
            .unwrap_or_default();
        let kind = if status == 429 { AuthErrorKind::Throttled } else { AuthErrorKind::Rejected };
        return Err(cx
            .error(kind, format!("the managed identity endpoint ({source}) answered HTTP {status}: {msg}"))
            .with_status(Some(status))
            .with_hint(match client_id {
                Some(id) => {
                    format!("check that the user-assigned identity {id} is assigned to this resource")
                }
                None => "check that a system-assigned identity is enabled on this resource".to_string(),
            }));
    }
    let body: MiResponse = serde_json::from_slice(response.body()).map_err(|_| {
        cx.error(
            AuthErrorKind::Protocol,
            format!("the managed identity endpoint ({source}) sent no access_token"),
        )
    })?;
    check_own_tenant(cx, &body.access_token).await?;
    let expires_at = match (as_u64(&body.expires_on), as_u64(&body.expires_in)) {
        (Some(on), _) => super::token::expires_at_unix(on),
        (None, Some(secs)) => super::token::expires_after(Duration::from_secs(secs)),
        (None, None) => super::grant::expiry(&body.access_token, None),
    };
    Ok(Issued { access: AccessToken { value: Secret::new(body.access_token), expires_at }, refresh: None })
}

/// A managed identity's token is for its own tenant (`tid`); refuse to use it for another.
/// A domain is resolved to its tenant id through the authority's OpenID discovery document.
async fn check_own_tenant(cx: &GrantContext<'_>, token: &str) -> Result<(), AuthError> {
    let Some(tid) = peek_claims(token).and_then(|c| c.tid) else { return Ok(()) };
    let own = tid.to_ascii_lowercase();
    let mut wanted = cx.tenant.to_ascii_lowercase();
    if is_guid(&own) && !is_guid(&wanted) {
        match resolve_tenant_id(cx).await {
            Some(id) => wanted = id,
            None => {
                tracing::debug!(target: "tenantrun::auth", tenant = cx.tenant, "cannot resolve tenant id; not checked");
                return Ok(());
            }
        }
    }
    if wanted != own {
        return Err(cx
            .error(
                AuthErrorKind::WrongTenant,
                format!(
                    "a managed identity signs in only to its own tenant ({tid}); tenant {} is another tenant",
                    cx.tenant
                ),
            )
            .with_hint(
                "use a certificate or client_secret identity of an app consented in that tenant, \
                 or a refresh_token (GDAP) identity",
            ));
    }
    Ok(())
}

/// The tenant GUID of a domain, from `AUTHORITY/<domain>/v2.0/.well-known/openid-configuration`.
async fn resolve_tenant_id(cx: &GrantContext<'_>) -> Option<String> {
    let url = format!("{}{}/v2.0/.well-known/openid-configuration", cx.env.authority, cx.tenant);
    let request = oauth2::http::Request::builder().method("GET").uri(url).body(Vec::new()).ok()?;
    let response = cx.transport.execute(request).await.ok()?;
    if response.status().as_u16() != 200 {
        return None;
    }
    let doc: serde_json::Value = serde_json::from_slice(response.body()).ok()?;
    let issuer = doc.get("issuer")?.as_str()?;
    issuer.split('/').map(str::to_ascii_lowercase).find(|seg| is_guid(seg))
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.chars()
            .enumerate()
            .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-') && (c == '-' || c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn guid_detection() {
        assert!(super::is_guid("8e3b2b9c-0000-4000-8000-00000000fab1"));
        assert!(!super::is_guid("contoso.onmicrosoft.com"));
    }
}
