//! The resource owner password grant (`-Credential`, no MFA): refused with AADSTS50076
//! where the tenant or user requires MFA.

use super::entra_error::{codes, EntraError};
use super::grant_refresh::mint_new;
use super::id_token::{answer, SignIn};
use super::token::{delegated_tenant, parse_scope, Call, Issued};

pub fn grant(call: &Call<'_>) -> Result<Issued, EntraError> {
    let (state, tenant, form) = (call.state, call.tenant, call.form);
    let client_id = call.required("client_id")?;
    let username = call.required("username")?;
    let password = call.required("password")?;
    let client = state.registry.client(client_id).ok_or_else(|| codes::app_not_found(client_id, tenant))?;
    if !client.public && form.get("client_secret").is_none_or(|s| !client.secrets.contains(s)) {
        return Err(codes::public_client_only(client_id));
    }
    let user = state.registry.user(username).ok_or_else(|| codes::unknown_user(tenant))?;
    let tref = delegated_tenant(state, tenant, &user)?;
    if !state.registry.user_in_tenant(&user, &tref) {
        return Err(codes::unknown_user(tenant));
    }
    if &user.password != password {
        return Err(codes::bad_password());
    }
    let tenant_mfa = state.registry.tenant_config(&tref).is_some_and(|c| c.mfa_required);
    if user.mfa_required || tenant_mfa {
        return Err(codes::mfa_required());
    }
    if !state.registry.consented(&tref, client_id) {
        return Err(codes::not_consented(client_id));
    }
    let scope = parse_scope(form.get("scope"), true, tenant)?;
    let rt = if scope.offline_access { Some(mint_new(state, &user.upn, client_id)?) } else { None };
    let sign_in = SignIn { tenant: &tref, user: &user, client_id, scope: &scope, nonce: None };
    Ok(Issued {
        tenant: tenant.to_string(),
        resource: scope.resource.clone(),
        grant: "password",
        body: answer(call, &sign_in, rt)?,
    })
}
