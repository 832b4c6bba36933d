//! OIDC discovery (`{authority}/{tenant}/v2.0/.well-known/openid-configuration`), the signing
//! keys (`{authority}/{tenant}/discovery/v2.0/keys`) and instance discovery
//! (`{authority}/common/discovery/instance`) and user realm discovery
//! (`{authority}/common/userrealm/{upn}`), as Entra writes them.

use super::entra_error::codes;
use super::http::{json, Req, Resp};
use super::state::State;
use super::token::is_multi_tenant;
use hyper::StatusCode;

/// The discovery document. For a named tenant every endpoint carries the tenant's GUID
/// (Entra resolves a domain to its GUID); `common`/`organizations`/`consumers` keep their name.
pub fn openid_configuration(state: &State, _req: &Req, authority: &str, tenant: &str) -> Resp {
    let (path_tenant, issuer_tenant) = if is_multi_tenant(tenant) {
        (tenant.to_ascii_lowercase(), "{tenantid}".to_string())
    } else {
        match state.registry.tenant(tenant) {
            Some(t) => (t.guid.clone(), t.guid),
            None => {
                let mut e = codes::tenant_not_found(tenant);
                e.error = "invalid_tenant";
                return e.response();
            }
        }
    };
    let base = format!("{authority}/{path_tenant}");
    json(
        StatusCode::OK,
        &serde_json::json!({
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{authority}/{issuer_tenant}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{authority}/oidc/userinfo"),
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{base}/kerberos"),
            "code_challenge_methods_supported": ["plain", "S256"],
            "tenant_region_scope": "WW",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token", "password", "urn:ietf:params:oauth:grant-type:device_code"],
        }),
    )
}

pub fn keys(state: &State) -> Resp {
    json(StatusCode::OK, &state.signer.jwks())
}

/// Instance discovery: `authorization_endpoint` names an authority of this emulator; the
/// answer points at its tenant discovery document and lists the host as its own alias
/// group (MSAL keys its token cache by that host). An authority on another host is
/// `invalid_instance`, as Entra answers for hosts it does not serve.
pub fn instance(req: &Req, authority: &str) -> Resp {
    let api_version = req.query.get("api-version").cloned().unwrap_or_else(|| "1.1".into());
    let requested = req.query.get("authorization_endpoint").and_then(|a| url::Url::parse(a).ok());
    let own_host = url::Url::parse(authority).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let Some(endpoint) = requested
        .filter(|u| u.host_str().map(str::to_ascii_lowercase) == own_host && u.path().contains("/oauth2/"))
    else {
        return json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({
                "error": "invalid_instance",
                "error_description": "AADSTS50049: Unknown or invalid instance.",
                "error_codes": [50049],
            }),
        );
    };
    // Keep the authority's own port: MSAL sends the host without it.
    let origin = authority_origin(authority);
    let tenant_path = endpoint.path().split("/oauth2/").next().unwrap_or_default();
    let host = own_host.unwrap_or_default();
    json(
        StatusCode::OK,
        &serde_json::json!({
            "tenant_discovery_endpoint": format!("{origin}{tenant_path}/v2.0/.well-known/openid-configuration"),
            "api-version": api_version,
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }),
    )
}

/// User realm discovery, which MSAL asks before a username/password sign-in (a federated
/// user would sign in at their identity provider): the emulator's users are all managed
/// (cloud) accounts; a user it does not know is `Unknown`, as Entra answers.
pub fn user_realm(state: &State, upn: &str) -> Resp {
    let mut body = serde_json::json!({
        "ver": "1.0",
        "account_type": "Unknown",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    });
    if let Some(user) = state.registry.user(upn) {
        body["account_type"] = "Managed".into();
        body["domain_name"] = user.upn.split_once('@').map_or("", |(_, d)| d).to_ascii_lowercase().into();
    }
    json(StatusCode::OK, &body)
}

/// `scheme://host[:port]` of an authority URL (dropping a path prefix such as `/login`).
fn authority_origin(authority: &str) -> String {
    match url::Url::parse(authority) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => authority.to_string(),
    }
}
