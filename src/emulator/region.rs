//! Compliance region discovery: `GET COMPLIANCE/adminapi/beta/{tenant}/EXOBanner('AutogenSession')`
//! redirects to the tenant's regional host (`BASE/region/<region>/adminapi/...`) when it
//! has one, and answers the banner itself otherwise (and on the regional host).

use super::faults::{admit, ApiService, Flow};
use super::http::{json, with_header, Req, Resp};
use super::registry::TenantRef;
use super::state::State;
use super::stats::Endpoint;
use hyper::StatusCode;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// The regions synthetic tenants are spread over (`None`: served by the front door).
const REGIONS: &[Option<&str>] = &[Some("eur02b"), Some("nam12b"), None, Some("apc03b")];

/// The compliance region of a tenant: configured (`none` for no redirect) or derived from its id.
pub fn tenant_region(state: &State, tenant: &TenantRef) -> Option<String> {
    if let Some(r) = state.registry.tenant_config(tenant).and_then(|c| c.region.clone()) {
        return if r.eq_ignore_ascii_case("none") || r.is_empty() {
            None
        } else {
            Some(r.to_ascii_lowercase())
        };
    }
    let h = tenant.key.bytes().fold(0x811C_9DC5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    REGIONS[(h as usize) % REGIONS.len()].map(str::to_string)
}

/// `GET .../EXOBanner('AutogenSession')`.
pub async fn banner(
    state: &Arc<State>,
    req: &Req,
    service: ApiService,
    tenant: &str,
    version: &str,
) -> Result<Resp, Flow> {
    let call = admit(state, req, service.clone(), tenant, Endpoint::Banner).await?;
    if let ApiService::Compliance { region: None } = service {
        if let Some(region) = tenant_region(state, &call.tenant) {
            state.counters.region_redirects.fetch_add(1, Relaxed);
            let query = req.query_string();
            let location = format!(
                "{}/region/{region}/adminapi/{version}/{tenant}/EXOBanner('AutogenSession'){}",
                req.origin,
                if query.is_empty() { String::new() } else { format!("?{query}") }
            );
            let mut r = json(StatusCode::FOUND, &serde_json::json!({}));
            r = with_header(r, "location", &location);
            return Ok(r);
        }
    }
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "@odata.context": format!("{}/{}adminapi/{version}/{tenant}/$metadata#Edm.String", req.origin, service.prefix()),
            "value": "",
        }),
    ))
}
