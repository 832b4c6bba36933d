//! What a delegated (user) token answer carries besides the access token, as Entra sends
//! it: an `id_token` when `openid` is asked and `client_info` when `client_info=1` is
//! sent. MSAL builds its account (`get_accounts()`, silent renewal) from these two.

use super::entra_error::EntraError;
use super::jwt::now;
use super::registry::{derived_guid, TenantRef, User};
use super::token::{access_token, token_body, Call, Scope};
use base64::Engine as _;

/// Lifetime of an id_token, seconds (Entra's is one hour).
const ID_TOKEN_LIFETIME: u64 = 3600;

/// A delegated sign-in to answer.
pub struct SignIn<'a> {
    pub tenant: &'a TenantRef,
    pub user: &'a User,
    pub client_id: &'a str,
    pub scope: &'a Scope,
    /// The `nonce` of the authorization request, echoed in the id_token.
    pub nonce: Option<&'a str>,
}

/// The user's object id: stable per user, the same in every tenant (its home tenant's).
pub fn user_oid(call: &Call<'_>, user: &User) -> String {
    let home = call.state.registry.home_tenant(user).map(|t| t.guid).unwrap_or_default();
    derived_guid(&format!("{home}|{}", user.upn.to_ascii_lowercase()))
}

/// The full token answer of a delegated grant: access token, `refresh_token` when given,
/// and `id_token` / `client_info` as asked.
pub fn answer(
    call: &Call<'_>,
    s: &SignIn<'_>,
    refresh: Option<String>,
) -> Result<serde_json::Value, EntraError> {
    let state = call.state;
    let (token, lifetime) = access_token(state, s.tenant, &s.scope.resource, s.client_id, Some(&s.user.upn))?;
    let mut body = token_body(&s.scope.echo, &token, lifetime, refresh);
    let oid = user_oid(call, s.user);
    if s.scope.openid {
        body["id_token"] = serde_json::Value::String(id_token(call, s, &oid)?);
    }
    if call.form.get("client_info").is_some_and(|v| v == "1") {
        let home =
            state.registry.home_tenant(s.user).map(|t| t.guid).unwrap_or_else(|| s.tenant.guid.clone());
        let info = serde_json::json!({"uid": oid, "utid": home});
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        body["client_info"] = serde_json::Value::String(b64.encode(info.to_string()));
    }
    Ok(body)
}

fn id_token(call: &Call<'_>, s: &SignIn<'_>, oid: &str) -> Result<String, EntraError> {
    let iat = now();
    let tid = &s.tenant.guid;
    let mut claims = serde_json::json!({
        "aud": s.client_id.to_ascii_lowercase(),
        "iss": format!("{}/{tid}/v2.0", call.authority),
        "iat": iat,
        "nbf": iat,
        "exp": iat.saturating_add(ID_TOKEN_LIFETIME),
        "name": display_name(&s.user.upn),
        "oid": oid,
        "preferred_username": s.user.upn,
        // Pairwise subject: per user and app.
        "sub": derived_guid(&format!("{oid}|{}", s.client_id.to_ascii_lowercase())),
        "tid": tid,
        "uti": uuid::Uuid::new_v4().simple().to_string(),
        "ver": "2.0",
    });
    if let Some(nonce) = s.nonce {
        claims["nonce"] = serde_json::Value::String(nonce.to_string());
    }
    let token = call
        .state
        .signer
        .sign(&claims)
        .map_err(|e| EntraError::new("server_error", 50000, format!("token signing failed: {e}")))?;
    call.state.credentials.record(&token);
    Ok(token)
}

/// A display name from the UPN (`admin@contoso.onmicrosoft.com` → `Admin (contoso)`): the
/// emulator's users have no other name.
pub fn display_name(upn: &str) -> String {
    let (local, domain) = upn.split_once('@').unwrap_or((upn, ""));
    let mut chars = local.chars();
    let local = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    match domain.split('.').next().filter(|d| !d.is_empty()) {
        Some(org) => format!("{local} ({org})"),
        None => local,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn display_names_come_from_the_upn() {
        assert_eq!(super::display_name("admin@contoso.onmicrosoft.com"), "Admin (contoso)");
        assert_eq!(super::display_name("ops"), "Ops");
        assert_eq!(super::display_name(""), "");
    }
}
