//! The Entra v2 token endpoint (`{authority}/{tenant}/oauth2/v2.0/token`): dispatch by
//! `grant_type`, scope rules, and issuing access tokens.

use super::entra_error::{codes, EntraError};
use super::http::{json, with_header, Req, Resp};
use super::jwt::{now, AccessClaims};
use super::registry::TenantRef;
use super::state::State;
use hyper::StatusCode;
use std::collections::HashMap;

/// Token audiences (resources) the emulator issues tokens for: every cloud's Exchange
/// Online and Security & Compliance resources.
pub const EXCHANGE_RESOURCES: &[&str] = &[
    "https://outlook.office365.com",
    "https://outlook.office365.us",
    "https://outlook-dod.office365.us",
    "https://outlook.office.de",
    "https://partner.outlook.cn",
];
pub const COMPLIANCE_RESOURCES: &[&str] = &[
    "https://ps.compliance.protection.outlook.com",
    "https://ps.compliance.protection.office365.us",
    "https://l5.ps.compliance.protection.office365.us",
    "https://ps.compliance.protection.outlook.de",
    "https://ps.compliance.protection.partner.outlook.cn",
    "https://ps.protection.outlook.com",
];

/// Tenant path values that are not a tenant (multi-tenant sign-in).
pub fn is_multi_tenant(tenant: &str) -> bool {
    matches!(tenant.to_ascii_lowercase().as_str(), "common" | "organizations" | "consumers")
}

/// The parsed `scope` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub resource: String,
    pub offline_access: bool,
    pub openid: bool,
    /// The scope as echoed back.
    pub echo: String,
}

/// Parse `scope`: exactly one `<known resource>/.default`, plus `offline_access`,
/// `openid`, `profile`, `email` when `delegated`. Client credentials take only
/// `<resource>/.default` (anything else is AADSTS1002012, as Entra answers).
pub fn parse_scope(scope: Option<&String>, delegated: bool, tenant: &str) -> Result<Scope, EntraError> {
    let scope = scope.ok_or_else(|| codes::missing_parameter("scope"))?;
    let mut resource = None;
    let mut asked = std::collections::BTreeSet::new();
    for part in scope.split_whitespace() {
        match part {
            "offline_access" | "openid" | "profile" | "email" if delegated => {
                asked.insert(part);
            }
            p => {
                let Some(r) = p.strip_suffix("/.default") else {
                    return Err(if delegated {
                        codes::invalid_scope(scope)
                    } else {
                        codes::client_credentials_scope(part)
                    });
                };
                if resource.is_some() {
                    return Err(codes::invalid_scope(scope));
                }
                let r = r.trim_end_matches('/').to_string();
                if !EXCHANGE_RESOURCES.contains(&r.as_str())
                    && !COMPLIANCE_RESOURCES.contains(&r.as_str())
                    && !super::graph::GRAPH_RESOURCES.contains(&r.as_str())
                {
                    return Err(codes::unknown_resource(&r, tenant));
                }
                resource = Some(r);
            }
        }
    }
    let resource = resource.ok_or_else(|| codes::invalid_scope(scope))?;
    // What Entra grants: the OIDC scopes asked, the consented permission, and `.default`.
    let mut echo: Vec<String> =
        ["email", "openid", "profile"].iter().filter(|s| asked.contains(*s)).map(|s| s.to_string()).collect();
    if delegated {
        echo.push(format!("{resource}/{}", delegated_permission(&resource)));
    }
    echo.push(format!("{resource}/.default"));
    let offline = asked.contains("offline_access");
    if offline {
        echo.push("offline_access".into());
    }
    Ok(Scope { resource, offline_access: offline, openid: asked.contains("openid"), echo: echo.join(" ") })
}

/// The delegated permission a token for `resource` carries (`scp`).
pub fn delegated_permission(resource: &str) -> &'static str {
    if super::graph::GRAPH_RESOURCES.contains(&resource) {
        "DelegatedAdminRelationship.Read.All"
    } else {
        "Exchange.Manage"
    }
}

/// A successful grant: what to count and what to answer.
#[derive(Debug)]
pub struct Issued {
    pub tenant: String,
    pub resource: String,
    pub grant: &'static str,
    pub body: serde_json::Value,
}

/// `POST {authority}/{tenant}/oauth2/v2.0/token`.
pub async fn handle(state: &State, req: &Req, authority: &str, tenant: &str) -> Resp {
    let result = grant(state, req, authority, tenant).await;
    match result {
        Ok(issued) => {
            state.counters.token(&issued.tenant, &issued.resource, issued.grant);
            let mut r = json(StatusCode::OK, &issued.body);
            r.headers_mut()
                .insert("cache-control", hyper::header::HeaderValue::from_static("no-store, no-cache"));
            match req.header("client-request-id") {
                Some(id) => with_header(r, "client-request-id", id),
                None => r,
            }
        }
        Err(e) => {
            state.counters.token_error(e.code);
            e.respond_to(req)
        }
    }
}

async fn grant(state: &State, req: &Req, authority: &str, tenant: &str) -> Result<Issued, EntraError> {
    if !is_multi_tenant(tenant) && state.registry.tenant(tenant).is_none() {
        return Err(codes::tenant_not_found(tenant));
    }
    let mut form = req.form();
    basic_credentials(req, &mut form);
    let grant_type = form.get("grant_type").ok_or_else(|| codes::missing_parameter("grant_type"))?;
    let call = Call { state, authority, tenant, form: &form };
    match grant_type.as_str() {
        "client_credentials" => super::grant_client::grant(&call),
        "refresh_token" => super::grant_refresh::grant(&call),
        "password" => super::grant_password::grant(&call),
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => super::device::grant(&call),
        "authorization_code" => super::authorize::grant(&call),
        other => Err(codes::unsupported_grant(other)),
    }
}

/// One token request as the grants see it.
pub struct Call<'a> {
    pub state: &'a State,
    /// `scheme://host[:port][/login]`: what the client addressed (assertion audience, issuer).
    pub authority: &'a str,
    /// The tenant path segment.
    pub tenant: &'a str,
    pub form: &'a HashMap<String, String>,
}

impl Call<'_> {
    /// A form parameter, or AADSTS900144 naming it.
    pub fn required(&self, name: &str) -> Result<&String, EntraError> {
        self.form.get(name).ok_or_else(|| codes::missing_parameter(name))
    }
}

/// `client_secret_basic`: credentials in `Authorization: Basic base64(id:secret)` (each part
/// form-urlencoded, RFC 6749 §2.3.1) count as if posted in the body.
fn basic_credentials(req: &Req, form: &mut HashMap<String, String>) {
    use base64::Engine as _;
    let Some(encoded) = req.header("authorization").and_then(|h| h.strip_prefix("Basic ")) else { return };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { return };
    let Ok(text) = String::from_utf8(raw) else { return };
    let Some((id, secret)) = text.split_once(':') else { return };
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned())
    };
    if let (Some(id), Some(secret)) = (decode(id), decode(secret)) {
        form.entry("client_id".into()).or_insert(id);
        form.entry("client_secret".into()).or_insert(secret);
    }
}

/// Resolve the tenant a delegated token is for: the path tenant, or the user's home
/// tenant for `common`/`organizations`.
pub fn delegated_tenant(
    state: &State,
    path_tenant: &str,
    user: &super::registry::User,
) -> Result<TenantRef, EntraError> {
    if is_multi_tenant(path_tenant) {
        return state.registry.home_tenant(user).ok_or_else(|| codes::unknown_user(path_tenant));
    }
    state.registry.tenant(path_tenant).ok_or_else(|| codes::tenant_not_found(path_tenant))
}

/// Sign an access token and return it with its lifetime in seconds.
pub fn access_token(
    state: &State,
    tenant: &TenantRef,
    resource: &str,
    appid: &str,
    upn: Option<&str>,
) -> Result<(String, u64), EntraError> {
    let iat = now();
    let lifetime = state.config.token_lifetime_secs.max(1);
    let app = upn.is_none();
    let claims = AccessClaims {
        aud: resource.to_string(),
        iss: format!("https://sts.windows.net/{}/", tenant.guid),
        iat,
        nbf: iat,
        exp: iat + lifetime,
        tid: tenant.guid.clone(),
        appid: appid.to_string(),
        upn: upn.map(str::to_string),
        idtyp: if app { "app" } else { "user" }.into(),
        roles: match (app, super::graph::GRAPH_RESOURCES.contains(&resource)) {
            (true, true) => vec!["DelegatedAdminRelationship.Read.All".into()],
            (true, false) => vec!["Exchange.ManageAsApp".into()],
            (false, _) => Vec::new(),
        },
        scp: if app { None } else { Some(delegated_permission(resource).into()) },
        oid: super::registry::derived_guid(&format!("{}|{}", tenant.guid, upn.unwrap_or(appid))),
        uti: uuid::Uuid::new_v4().simple().to_string(),
        ver: "1.0".into(),
    };
    let token = state
        .signer
        .sign_access(&claims)
        .map_err(|e| EntraError::new("server_error", 50000, format!("token signing failed: {e}")))?;
    state.credentials.record(&token);
    let expire_first = state.registry.tenant_config(tenant).map_or(0, |t| t.expired_tokens);
    if expire_first > 0 {
        state.tenants.get(&tenant.key).issued(&claims.uti, expire_first);
    }
    Ok((token, lifetime))
}

/// The body of a successful token response.
pub fn token_body(scope: &str, access: &str, lifetime: u64, refresh: Option<String>) -> serde_json::Value {
    let mut body = serde_json::json!({
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    });
    if let Some(rt) = refresh {
        body["refresh_token"] = serde_json::Value::String(rt);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    const CC: &str = "https://ps.compliance.protection.outlook.com/.default";

    #[test]
    fn scopes_follow_the_entra_rules() {
        let s = |v: &str| Some(v.to_string());
        let ok = parse_scope(
            s("https://outlook.office365.com//.default offline_access openid").as_ref(),
            true,
            "t",
        )
        .expect("valid delegated scope");
        assert_eq!(ok.resource, "https://outlook.office365.com");
        assert!(ok.offline_access && ok.openid);
        assert_eq!(
            ok.echo,
            "openid https://outlook.office365.com/Exchange.Manage https://outlook.office365.com/.default offline_access"
        );
        let err = |v: &str, delegated| parse_scope(s(v).as_ref(), delegated, "t").err().map(|e| e.code);
        assert_eq!(
            err("https://ps.compliance.protection.outlook.com/.default offline_access", false),
            Some(1002012)
        );
        assert_eq!(err("https://outlook.office365.com/Exchange.Manage", true), Some(70011));
        assert_eq!(
            err("https://a.example/.default https://outlook.office365.com/.default", true),
            Some(500011)
        );
        assert_eq!(err("offline_access", true), Some(70011));
        assert_eq!(err("https://outlook.office365.com/Exchange.Manage", false), Some(1002012));
        let app = parse_scope(s(CC).as_ref(), false, "t").expect("client credentials scope");
        assert_eq!(app.echo, CC);
        assert_eq!(parse_scope(None, true, "t").err().map(|e| e.code), Some(900144));
    }
}
