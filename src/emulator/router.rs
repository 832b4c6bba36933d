//! Path-based dispatch of one request to its handler, counting it per endpoint.

use super::faults::{ApiService, Flow};
use super::http::{not_found, Req, Resp};
use super::state::State;
use super::stats::Endpoint;
use hyper::{Method, StatusCode};
use std::sync::Arc;

pub(super) fn method_not_allowed() -> Resp {
    super::http::json(
        StatusCode::METHOD_NOT_ALLOWED,
        &serde_json::json!({"error": {"code": "MethodNotAllowed", "message": "The HTTP method is not allowed for this resource."}}),
    )
}

/// Route and handle a request.
pub async fn route(state: &Arc<State>, req: Req) -> Result<Resp, Flow> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let c = &state.counters;
    let post = req.method == Method::POST;
    let get = req.method == Method::GET;
    match seg.as_slice() {
        ["msi", "token"] => {
            c.request(Endpoint::ManagedIdentity);
            protocol_latency(state).await;
            Ok(super::msi::handle(state, &req, false))
        }
        ["metadata", "identity", "oauth2", "token"] => {
            c.request(Endpoint::ManagedIdentity);
            protocol_latency(state).await;
            Ok(super::msi::handle(state, &req, true))
        }
        ["compliance", "adminapi", version, tenant, op] => {
            admin_api(state, &req, ApiService::Compliance { region: None }, version, tenant, op).await
        }
        ["region", region, "adminapi", version, tenant, op] => {
            let service = ApiService::Compliance { region: Some(region.to_ascii_lowercase()) };
            admin_api(state, &req, service, version, tenant, op).await
        }
        ["exchange", "adminapi", version, tenant, op] => {
            admin_api(state, &req, ApiService::Exchange, version, tenant, op).await
        }
        ["graph", rest @ ..] => Ok(super::graph::route(state, &req, rest).await),
        ["_stats"] => {
            c.request(Endpoint::Stats);
            Ok(super::admin::stats(state))
        }
        ["_admin", "reset"] if post => {
            let r = super::admin::reset(state);
            c.request(Endpoint::Admin);
            Ok(r)
        }
        ["_admin", "device", "approve"] if post => {
            c.request(Endpoint::Admin);
            Ok(super::admin::approve(state, &req))
        }
        ["_admin", "refresh_token"] if post => {
            c.request(Endpoint::Admin);
            Ok(super::admin::refresh_token(state, &req))
        }
        ["devicelogin"] if get => {
            c.request(Endpoint::DeviceLogin);
            Ok(super::admin::device_login(state, &req))
        }
        // Entra, tenant first as Microsoft serves it (`AUTHORITY/{tenant}/...`, the authority
        // being the emulator's origin), and under the older `/login` prefix.
        ["login", tenant, rest @ ..] if super::entra::is_entra_path(rest) => {
            let authority = format!("{}/login", req.origin);
            super::entra::route(state, &req, &authority, tenant, rest).await
        }
        [tenant, rest @ ..] if super::entra::is_entra_path(rest) => {
            let authority = req.origin.clone();
            super::entra::route(state, &req, &authority, tenant, rest).await
        }
        _ => {
            c.request(Endpoint::NotFound);
            Ok(not_found(&req.path))
        }
    }
}

/// An admin API call, recorded in the call log (when on) with its answer.
async fn admin_api(
    state: &Arc<State>,
    req: &Req,
    service: ApiService,
    version: &str,
    tenant: &str,
    op: &str,
) -> Result<Resp, Flow> {
    let received = state.calls.now_us();
    let (result, latency_ms) = super::faults::INJECTED_MS
        .scope(std::cell::Cell::new(0), async {
            let result = admin_op(state, req, service, version, tenant, op).await;
            (result, super::faults::INJECTED_MS.with(std::cell::Cell::get))
        })
        .await;
    let status = match &result {
        Ok(resp) | Err(Flow::Respond(resp)) => resp.status().as_u16(),
        Err(Flow::Drop) => 0,
    };
    let call = super::stats::Answered { status, received_us: received, latency_ms };
    state.calls.record(tenant, op, req.header("x-cmdletname"), call);
    result
}

async fn admin_op(
    state: &Arc<State>,
    req: &Req,
    service: ApiService,
    version: &str,
    tenant: &str,
    op: &str,
) -> Result<Resp, Flow> {
    let c = &state.counters;
    if op.eq_ignore_ascii_case("InvokeCommand") {
        c.request(Endpoint::Invoke);
        if req.method != Method::POST {
            return Ok(method_not_allowed());
        }
        return super::invoke::handle(state, req, service, tenant).await;
    }
    if op.starts_with("EXOBanner") {
        c.request(Endpoint::Banner);
        if req.method != Method::GET {
            return Ok(method_not_allowed());
        }
        return super::region::banner(state, req, service, tenant, version).await;
    }
    if op.eq_ignore_ascii_case("EXOModuleFile") {
        c.request(Endpoint::ModuleFile);
        if req.method != Method::GET {
            return Ok(method_not_allowed());
        }
        return super::module_file::handle(state, req, service, tenant, version).await;
    }
    c.request(Endpoint::NotFound);
    Ok(not_found(&req.path))
}

/// Latency injected on token endpoints (admin API calls get theirs in the gate).
pub(super) async fn protocol_latency(state: &State) {
    let ms = state.config.latency_ms;
    if ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}
