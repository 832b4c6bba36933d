//! OIDC discovery (`/login/{tenant}/v2.0/.well-known/openid-configuration`) and the
//! signing keys (`/login/{tenant}/discovery/v2.0/keys`).

use super::entra_error::codes;
use super::http::{json, Req, Resp};
use super::state::State;
use super::token::is_multi_tenant;
use hyper::StatusCode;

pub fn openid_configuration(state: &State, req: &Req, tenant: &str) -> Resp {
    let tid = if is_multi_tenant(tenant) {
        "{tenantid}".to_string()
    } else {
        match state.registry.tenant(tenant) {
            Some(t) => t.guid,
            None => {
                let mut e = codes::tenant_not_found(tenant);
                e.error = "invalid_tenant";
                return e.response();
            }
        }
    };
    let base = format!("{}/login/{tenant}", req.origin);
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
            "issuer": format!("{}/login/{tid}/v2.0", req.origin),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{}/oidc/userinfo", req.origin),
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{base}/kerberos"),
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
