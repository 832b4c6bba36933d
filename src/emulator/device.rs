//! The device code flow: `POST {authority}/{tenant}/oauth2/v2.0/devicecode`, polling with the
//! `device_code` grant (`authorization_pending`, `slow_down`, `expired_token`), and
//! approval by `--auto-approve-device`, `POST /_admin/device/approve` or `/devicelogin`.

use super::entra_error::{codes, EntraError};
use super::grant_refresh::mint_new;
use super::http::{json, Req, Resp};
use super::id_token::{answer, SignIn};
use super::state::State;
use super::token::{delegated_tenant, is_multi_tenant, parse_scope, Call, Issued};
use hyper::StatusCode;
use parking_lot::Mutex;
use rand::Rng as _;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
struct Pending {
    user_code: String,
    client_id: String,
    tenant: String,
    scope: String,
    expires: Instant,
    interval: Duration,
    last_poll: Option<Instant>,
    approved_upn: Option<String>,
    redeemed: bool,
}

/// Device codes issued and their state.
#[derive(Debug, Default)]
pub struct DeviceStore {
    by_device: Mutex<HashMap<String, Pending>>,
}

/// Why an approval failed.
#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    #[error("no pending device code with user code {0}")]
    UnknownCode(String),
    #[error("unknown user {0}")]
    UnknownUser(String),
    #[error("user {upn} cannot sign in to tenant {tenant}")]
    WrongTenant { upn: String, tenant: String },
}

fn normalize_code(c: &str) -> String {
    c.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase()
}

impl DeviceStore {
    /// Approve the pending code `user_code` as `upn`.
    pub fn approve(&self, state: &State, user_code: &str, upn: &str) -> Result<(), ApproveError> {
        let user = state.registry.user(upn).ok_or_else(|| ApproveError::UnknownUser(upn.into()))?;
        let wanted = normalize_code(user_code);
        let mut all = self.by_device.lock();
        let p = all
            .values_mut()
            .find(|p| normalize_code(&p.user_code) == wanted && !p.redeemed)
            .ok_or_else(|| ApproveError::UnknownCode(user_code.into()))?;
        if !is_multi_tenant(&p.tenant) {
            let ok =
                state.registry.tenant(&p.tenant).is_some_and(|t| state.registry.user_in_tenant(&user, &t));
            if !ok {
                return Err(ApproveError::WrongTenant { upn: upn.into(), tenant: p.tenant.clone() });
            }
        }
        p.approved_upn = Some(user.upn);
        Ok(())
    }
}

/// `POST {authority}/{tenant}/oauth2/v2.0/devicecode`.
pub fn start(state: &State, req: &Req, tenant: &str) -> Resp {
    match start_inner(state, req, tenant) {
        Ok(v) => json(StatusCode::OK, &v),
        Err(e) => {
            state.counters.token_error(e.code);
            e.response()
        }
    }
}

fn start_inner(state: &State, req: &Req, tenant: &str) -> Result<serde_json::Value, EntraError> {
    if !is_multi_tenant(tenant) && state.registry.tenant(tenant).is_none() {
        return Err(codes::tenant_not_found(tenant));
    }
    let form = req.form();
    let client_id = form.get("client_id").ok_or_else(|| codes::missing_parameter("client_id"))?;
    let client = state.registry.client(client_id).ok_or_else(|| codes::app_not_found(client_id, tenant))?;
    if !client.public {
        return Err(codes::public_client_only(client_id));
    }
    parse_scope(form.get("scope"), true, tenant)?;
    let mut rng = rand::rng();
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let user_code: String = (0..9).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    let device_code = format!("DAQABAAEAAAD{}", uuid::Uuid::new_v4().simple());
    let interval = state.config.device_code_interval_secs;
    let lifetime = state.config.device_code_lifetime_secs;
    let approved_upn = if state.config.auto_approve_device {
        form.get("login_hint").cloned().or_else(|| {
            Some(if is_multi_tenant(tenant) {
                super::registry::PARTNER_UPN.to_string()
            } else {
                format!("admin@{tenant}")
            })
        })
    } else {
        None
    };
    let verification_uri = format!("{}/devicelogin", req.origin);
    state.devices.by_device.lock().insert(
        device_code.clone(),
        Pending {
            user_code: user_code.clone(),
            client_id: client_id.to_ascii_lowercase(),
            tenant: tenant.to_string(),
            // As asked: the grant parses it again when the code is redeemed.
            scope: form.get("scope").cloned().unwrap_or_default(),
            expires: Instant::now() + Duration::from_secs(lifetime),
            interval: Duration::from_secs(interval),
            last_poll: None,
            approved_upn,
            redeemed: false,
        },
    );
    Ok(serde_json::json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": lifetime,
        "interval": interval,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    }))
}

/// The `device_code` grant (polling).
pub fn grant(call: &Call<'_>) -> Result<Issued, EntraError> {
    let (state, tenant) = (call.state, call.tenant);
    let device_code = call.required("device_code")?;
    let client_id = call.required("client_id")?;
    let (upn, scope_text) = {
        let mut all = state.devices.by_device.lock();
        let p = all.get_mut(device_code).ok_or_else(codes::device_code_unknown)?;
        if !p.client_id.eq_ignore_ascii_case(client_id) {
            return Err(codes::device_code_unknown());
        }
        if p.redeemed {
            return Err(codes::device_code_redeemed());
        }
        let now = Instant::now();
        if now > p.expires {
            return Err(codes::device_expired());
        }
        let too_fast = p.last_poll.is_some_and(|last| now.duration_since(last) < p.interval);
        p.last_poll = Some(now);
        if too_fast {
            state.counters.slow_down.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(codes::slow_down());
        }
        let Some(upn) = p.approved_upn.clone() else {
            return Err(codes::authorization_pending());
        };
        p.redeemed = true;
        (upn, p.scope.clone())
    };
    let user = state.registry.user(&upn).ok_or_else(|| codes::unknown_user(tenant))?;
    let tref = delegated_tenant(state, tenant, &user)?;
    if !state.registry.consented(&tref, client_id) {
        return Err(codes::not_consented(client_id));
    }
    let scope = parse_scope(Some(&scope_text), true, tenant)?;
    let rt = if scope.offline_access { Some(mint_new(state, &user.upn, client_id)?) } else { None };
    let sign_in = SignIn { tenant: &tref, user: &user, client_id, scope: &scope, nonce: None };
    Ok(Issued {
        tenant: tenant.to_string(),
        resource: scope.resource.clone(),
        grant: "device_code",
        body: answer(call, &sign_in, rt)?,
    })
}
