//! The `client_credentials` grant, with a client secret or a certificate assertion.

use super::entra_error::{codes, EntraError};
use super::token::{access_token, is_multi_tenant, parse_scope, token_body, Call, Issued};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub fn grant(call: &Call<'_>) -> Result<Issued, EntraError> {
    let (state, tenant, form) = (call.state, call.tenant, call.form);
    let client_id = call.required("client_id")?;
    // An app-only token is for one tenant: `common`/`organizations` name none.
    if is_multi_tenant(tenant) {
        return Err(codes::tenant_required(tenant));
    }
    let tref = state.registry.tenant(tenant).ok_or_else(|| codes::tenant_not_found(tenant))?;
    let client = state.registry.client(client_id).ok_or_else(|| codes::app_not_found(client_id, tenant))?;
    if !state.registry.consented(&tref, client_id) {
        return Err(codes::app_not_found(client_id, tenant));
    }
    if let Some(secret) = form.get("client_secret") {
        if client.secrets.iter().any(|s| s == secret) {
        } else if client.expired_secrets.iter().any(|s| s == secret) {
            return Err(codes::expired_secret(client_id));
        } else {
            return Err(codes::invalid_secret(client_id));
        }
    } else if let Some(assertion) = form.get("client_assertion") {
        state.credentials.record(assertion);
        if form.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
            return Err(codes::missing_parameter("client_assertion_type"));
        }
        let endpoint = |t: &str| format!("{}/{t}/oauth2/v2.0/token", call.authority);
        let audiences = [endpoint(tenant), endpoint(&tref.guid)];
        super::assertion::verify(state, client, &audiences, assertion)?;
    } else {
        return Err(codes::credential_required());
    }
    let scope = parse_scope(form.get("scope"), false, tenant)?;
    let (token, lifetime) = access_token(state, &tref, &scope.resource, &client.client_id, None)?;
    Ok(Issued {
        tenant: tenant.to_string(),
        resource: scope.resource.clone(),
        grant: "client_credentials",
        body: token_body(&scope.echo, &token, lifetime, None),
    })
}
