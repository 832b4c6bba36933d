//! The `refresh_token` grant. Refresh tokens rotate on every use; the previous one
//! stays valid for a short grace period (so a client that lost the answer can retry),
//! and a partner (GDAP) admin's token works in any customer tenant.

use super::entra_error::{codes, EntraError};
use super::id_token::{answer, SignIn};
use super::jwt::{now, RefreshClaims};
use super::state::State;
use super::token::{delegated_tenant, parse_scope, Call, Issued};
use parking_lot::Mutex;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy)]
struct Family {
    latest: u64,
    /// Until when generation `latest - 1` is still honoured.
    previous_until: u64,
}

/// Rotation state per refresh-token family.
#[derive(Debug, Default)]
pub struct RefreshStore {
    families: Mutex<HashMap<String, Family>>,
}

impl RefreshStore {
    /// Check generation `gen` of `fam` and rotate; returns the generation to issue next.
    fn use_token(&self, fam: &str, gen: u64, grace: u64) -> Result<u64, EntraError> {
        let t = now();
        let mut families = self.families.lock();
        let f = families.entry(fam.to_string()).or_insert(Family { latest: gen, previous_until: 0 });
        if gen == f.latest {
            f.latest += 1;
            f.previous_until = t + grace;
            Ok(f.latest)
        } else if gen + 1 == f.latest && t <= f.previous_until {
            Ok(f.latest)
        } else {
            Err(codes::refresh_revoked())
        }
    }
}

/// Sign a refresh token.
pub fn mint(
    state: &State,
    upn: &str,
    client_id: &str,
    fam: &str,
    gen: u64,
    auth_time: u64,
) -> Result<String, EntraError> {
    let iat = now();
    let claims = RefreshClaims {
        typ: "rt".into(),
        upn: upn.to_ascii_lowercase(),
        cid: client_id.to_ascii_lowercase(),
        fam: fam.to_string(),
        gen,
        iat,
        exp: iat + state.config.refresh_token_lifetime_secs,
        auth_time,
    };
    let token = state.signer.sign_refresh(&claims).map_err(|e| EntraError::new("server_error", 50000, e))?;
    state.credentials.record(&token);
    Ok(token)
}

/// A fresh refresh token (new family) for a user who just signed in.
pub fn mint_new(state: &State, upn: &str, client_id: &str) -> Result<String, EntraError> {
    let fam = uuid::Uuid::new_v4().simple().to_string();
    mint(state, upn, client_id, &fam, 0, now())
}

pub fn grant(call: &Call<'_>) -> Result<Issued, EntraError> {
    let (state, tenant, form) = (call.state, call.tenant, call.form);
    let rt = call.required("refresh_token")?;
    let client_id = call.required("client_id")?;
    let claims = state.signer.verify_refresh(rt).map_err(|_| codes::refresh_malformed())?;
    if claims.exp < now() {
        return Err(codes::refresh_expired());
    }
    if !claims.cid.eq_ignore_ascii_case(client_id) {
        return Err(codes::refresh_client_mismatch());
    }
    let user = state.registry.user(&claims.upn).ok_or_else(|| codes::unknown_user(tenant))?;
    let tref = delegated_tenant(state, tenant, &user)?;
    if !state.registry.user_in_tenant(&user, &tref) {
        return Err(codes::user_not_in_tenant(&user.upn, tenant));
    }
    if !state.registry.consented(&tref, client_id) {
        return Err(codes::not_consented(client_id));
    }
    if let Some(freq) = state.registry.tenant_config(&tref).and_then(|c| c.sign_in_frequency_secs) {
        if now().saturating_sub(claims.auth_time) > freq {
            return Err(codes::sign_in_frequency());
        }
    }
    let scope = parse_scope(form.get("scope"), true, tenant)?;
    let next = state.refresh.use_token(&claims.fam, claims.gen, state.config.refresh_token_grace_secs)?;
    let new_rt = mint(state, &user.upn, client_id, &claims.fam, next, claims.auth_time)?;
    let sign_in = SignIn { tenant: &tref, user: &user, client_id, scope: &scope, nonce: None };
    Ok(Issued {
        tenant: tenant.to_string(),
        resource: scope.resource.clone(),
        grant: "refresh_token",
        body: answer(call, &sign_in, Some(new_rt))?,
    })
}
