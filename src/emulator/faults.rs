//! The admin API gate every `/adminapi/` call passes: concurrency accounting, injected
//! latency, dropped connections, token verification (audience, tenant, expiry, `expired_tokens`), throttling
//! (every Nth call, above the per-tenant concurrency limit, or an empty `--rate-limit` bucket), injected 5xx, and the
//! protocol checks counted as violations (anchor, region, `client-request-id`).
//!
//! The dice are deterministic: a hash of (seed, tenant, call number, purpose).

use super::exo_error::{cmdlet_error, missing_role, service_error, throttled, unauthorized};
use super::http::{with_header, Req, Resp};
use super::jwt::{now, AccessClaims, TokenProblem};
use super::registry::{TenantRef, SYSTEM_MAILBOX};
use super::state::State;
use super::stats::{Endpoint, Violation};
use super::tenant_state::{InFlight, TenantRuntime};
use super::token::{COMPLIANCE_RESOURCES, EXCHANGE_RESOURCES};
use hyper::StatusCode;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

/// Which front door a call came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiService {
    /// The compliance front door (`region: None`) or a regional host.
    Compliance {
        region: Option<String>,
    },
    Exchange,
}

impl ApiService {
    pub fn is_compliance(&self) -> bool {
        matches!(self, ApiService::Compliance { .. })
    }

    /// The path prefix of this door (`compliance/`, `region/eur02b/`, `exchange/`).
    pub fn prefix(&self) -> String {
        match self {
            ApiService::Compliance { region: None } => "compliance/".into(),
            ApiService::Compliance { region: Some(r) } => format!("region/{r}/"),
            ApiService::Exchange => "exchange/".into(),
        }
    }
}

/// An admitted call.
#[derive(Debug)]
pub struct Call {
    pub tenant: TenantRef,
    pub runtime: Arc<TenantRuntime>,
    /// The verified token (app-only or delegated).
    #[allow(dead_code)]
    pub claims: Arc<AccessClaims>,
    pub url_tenant: String,
    pub service: ApiService,
    _guard: InFlight,
}

/// What to do instead of handling the call.
#[derive(Debug)]
pub enum Flow {
    Respond(Resp),
    /// Close the connection without answering.
    Drop,
}

tokio::task_local! {
    /// The latency the gate injected into the current admin API call (for the call log).
    pub(super) static INJECTED_MS: std::cell::Cell<u64>;
}

/// The 401 reason for an expired access token.
const EXPIRED: &str = "The access token has expired.";

/// A uniform number in [0, 1) from the seed, the tenant, the call number and a purpose.
pub fn dice(seed: u64, tenant_hash: u64, n: u64, salt: u64) -> f64 {
    let mut z =
        seed ^ tenant_hash.rotate_left(17) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.rotate_left(41);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Run the gate for an admin API call.
pub async fn admit(
    state: &Arc<State>,
    req: &Req,
    service: ApiService,
    url_tenant: &str,
    endpoint: Endpoint,
) -> Result<Call, Flow> {
    let c = &state.counters;
    let Some(tenant) = state.registry.tenant(url_tenant) else {
        c.cmdlet_errors.fetch_add(1, Relaxed);
        return Err(Flow::Respond(cmdlet_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            &format!("The organization '{url_tenant}' could not be found."),
        )));
    };
    let runtime = state.tenants.get(&tenant.key);
    let (guard, in_flight) = InFlight::enter(runtime.clone(), state.clone());
    let n = runtime.calls.fetch_add(1, Relaxed) + 1;
    let cfg = &state.config;
    let tcfg = state.registry.tenant_config(&tenant);
    let seed = cfg.seed;
    let h = runtime.key_hash;

    let latency = tcfg.and_then(|t| t.latency_ms).unwrap_or(cfg.latency_ms);
    let jitter = if cfg.latency_jitter_ms > 0 {
        (dice(seed, h, n, 1) * (cfg.latency_jitter_ms + 1) as f64) as u64
    } else {
        0
    };
    // Outside a call-log scope (no admin API call) there is nothing to note.
    let _ = INJECTED_MS.try_with(|ms| ms.set(latency + jitter));
    if latency + jitter > 0 {
        tokio::time::sleep(Duration::from_millis(latency + jitter)).await;
    }

    let claims = match authenticate(state, req) {
        Ok(claims) if tcfg.is_some_and(|t| t.expired_tokens > 0) && runtime.expired_early(&claims.uti) => {
            c.unauthorized.fetch_add(1, Relaxed);
            return Err(Flow::Respond(unauthorized(&req.origin, EXPIRED)));
        }
        Ok(claims) => claims,
        Err(reason) => {
            c.unauthorized.fetch_add(1, Relaxed);
            return Err(Flow::Respond(unauthorized(&req.origin, &reason)));
        }
    };

    // The protocol checks come before any injected fault, so a request that is then dropped,
    // throttled or failed has still had its `client-request-id` recorded: a client that
    // resends it on the retry is flagged.
    let audience_ok = if service.is_compliance() {
        COMPLIANCE_RESOURCES.contains(&claims.aud.as_str())
    } else {
        EXCHANGE_RESOURCES.contains(&claims.aud.as_str())
    };
    if !audience_ok {
        c.violation(Violation::WrongAudience);
        c.unauthorized.fetch_add(1, Relaxed);
        return Err(Flow::Respond(unauthorized(
            &req.origin,
            &format!("The token audience '{}' is not valid for this service.", claims.aud),
        )));
    }
    if !claims.tid.eq_ignore_ascii_case(&tenant.guid) {
        c.violation(Violation::WrongTenant);
        return Err(Flow::Respond(service_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!("The token was issued for tenant '{}', not for '{url_tenant}'.", claims.tid),
        )));
    }
    if tcfg.is_some_and(|t| t.lacks_exchange_role) {
        return Err(Flow::Respond(missing_role()));
    }

    if endpoint == Endpoint::Invoke {
        if let Some(resp) = check_anchor(state, req, &claims, &tenant, url_tenant) {
            return Err(Flow::Respond(resp));
        }
        match req.header("client-request-id") {
            None => c.violation(Violation::MissingClientRequestId),
            Some(id) => {
                if !state.request_ids.insert(id) {
                    c.violation(Violation::ReusedClientRequestId);
                }
            }
        }
    }
    if let ApiService::Compliance { region } = &service {
        let expected = super::region::tenant_region(state, &tenant);
        let banner_at_front_door = endpoint == Endpoint::Banner && region.is_none();
        if !banner_at_front_door && region.as_deref() != expected.as_deref() {
            c.violation(Violation::RegionSkipped);
        }
    }

    let drop_rate = tcfg.and_then(|t| t.drop_rate).unwrap_or(cfg.drop_rate);
    if drop_rate > 0.0 && dice(seed, h, n, 2) < drop_rate {
        c.dropped.fetch_add(1, Relaxed);
        return Err(Flow::Drop);
    }

    let every = tcfg.and_then(|t| t.throttle_every).unwrap_or(cfg.throttle_every);
    let limit = tcfg.and_then(|t| t.concurrency_limit).unwrap_or(cfg.tenant_concurrency_limit);
    if (every > 0 && n.is_multiple_of(every)) || (limit > 0 && in_flight > limit) {
        c.throttled.fetch_add(1, Relaxed);
        return Err(Flow::Respond(throttled(cfg.retry_after_secs, url_tenant)));
    }
    if let Some(Err(wait)) = state.bucket.as_ref().map(|b| b.take()) {
        c.throttled.fetch_add(1, Relaxed);
        c.rate_limited.fetch_add(1, Relaxed);
        let secs = cfg.retry_after_secs.max(wait.as_secs_f64().ceil() as u64);
        return Err(Flow::Respond(throttled(secs, url_tenant)));
    }

    let error_rate = tcfg.and_then(|t| t.server_error_rate).unwrap_or(cfg.server_error_rate);
    if error_rate > 0.0 && dice(seed, h, n, 3) < error_rate && !cfg.server_error_statuses.is_empty() {
        c.server_errors.fetch_add(1, Relaxed);
        let statuses = &cfg.server_error_statuses;
        let pick = statuses[(dice(seed, h, n, 4) * statuses.len() as f64) as usize % statuses.len()];
        let status = StatusCode::from_u16(pick).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = service_error(
            status,
            "ServerError",
            "The service encountered an internal error (injected by the emulator).",
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r = with_header(r, "retry-after", &cfg.retry_after_secs.to_string());
        }
        return Err(Flow::Respond(r));
    }

    Ok(Call { tenant, runtime, claims, url_tenant: url_tenant.to_string(), service, _guard: guard })
}

/// Verify the bearer token: signature (cached) and expiry.
fn authenticate(state: &State, req: &Req) -> Result<Arc<AccessClaims>, String> {
    let header = req.header("authorization").ok_or("The request has no Authorization header.")?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or("The Authorization header is not a Bearer token.")?;
    let claims = state.signer.verify_access(token.trim()).map_err(|p| match p {
        TokenProblem::BadSignature => "The token signature is invalid.".to_string(),
        TokenProblem::Malformed => "The token is malformed.".to_string(),
    })?;
    if claims.exp <= now() {
        return Err(EXPIRED.into());
    }
    Ok(claims)
}

/// Check `X-AnchorMailbox`: missing is counted (legitimate with BypassMailboxAnchoring);
/// a malformed one is counted and refused. `APP:` goes with app-only tokens and names the
/// called tenant's system mailbox; `UPN:` goes with delegated tokens and names the token's
/// user or a mailbox of the called tenant.
fn check_anchor(
    state: &State,
    req: &Req,
    claims: &AccessClaims,
    tenant: &TenantRef,
    url_tenant: &str,
) -> Option<Resp> {
    let c = &state.counters;
    let Some(anchor) = req.header("x-anchormailbox") else {
        c.violation(Violation::MissingAnchor);
        return None;
    };
    let ok = if let Some(rest) = anchor.strip_prefix("APP:") {
        claims.idtyp == "app"
            && rest.split_once('@').is_some_and(|(mbx, t)| {
                mbx.eq_ignore_ascii_case(SYSTEM_MAILBOX)
                    && (t.eq_ignore_ascii_case(url_tenant)
                        || state
                            .registry
                            .tenant(t)
                            .is_some_and(|r| r.key == tenant.key || r.guid == tenant.guid))
            })
    } else if let Some(upn) = anchor.strip_prefix("UPN:") {
        // Delegated only, and the token's own user or a mailbox of the called tenant.
        claims.idtyp == "user"
            && upn.split_once('@').is_some_and(|(u, d)| {
                let well_formed = !u.is_empty() && (d.contains('.') || is_guid_domain(d));
                let own_user = claims.upn.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(upn));
                let in_tenant = d.eq_ignore_ascii_case(url_tenant)
                    || state.registry.tenant(d).is_some_and(|r| r.key == tenant.key || r.guid == tenant.guid);
                well_formed && (own_user || in_tenant)
            })
    } else {
        false
    };
    if ok {
        return None;
    }
    c.violation(Violation::MalformedAnchor);
    c.cmdlet_errors.fetch_add(1, Relaxed);
    Some(cmdlet_error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        "Microsoft.Exchange.Data.Storage.InvalidAnchorMailboxException",
        &format!("The X-AnchorMailbox header '{anchor}' is not valid: expected 'APP:{SYSTEM_MAILBOX}@<tenant>' for app-only or 'UPN:<user>' for delegated access."),
    ))
}

fn is_guid_domain(d: &str) -> bool {
    super::registry::is_guid(d)
}

#[cfg(test)]
mod tests {
    use super::dice;

    #[test]
    fn dice_are_deterministic_and_uniform_enough() {
        assert_eq!(dice(1, 2, 3, 4), dice(1, 2, 3, 4));
        assert_ne!(dice(1, 2, 3, 4), dice(2, 2, 3, 4));
        let hits = (0..10_000u64).filter(|n| dice(9, 77, *n, 3) < 0.25).count();
        assert!((2_200..2_800).contains(&hits), "{hits}");
        assert!((0..1000u64).all(|n| (0.0..1.0).contains(&dice(5, 6, n, 7))));
    }
}
