//! Microsoft Graph for partner tenants, under `/graph`: `GET /v1.0/tenantRelationships/
//! delegatedAdminRelationships` (Graph paging, at most 300 a page, `@odata.nextLink` with a
//! `$skiptoken`, `$filter=status eq '…'`, `$top`) and `GET /v1.0/contracts`.
//!
//! Every call's token is checked: signature, expiry, a Graph audience and a partner
//! tenant (`tid`); failures answer Graph's error shape (`InvalidAuthenticationToken`,
//! `Authorization_RequestDenied`). The data come from [`super::graph_data`].

use super::graph_data::{self, PartnerConfig, PartnerData};
use super::http::{json, Req, Resp};
use super::jwt::now;
use super::state::State;
use super::stats::Endpoint;
use hyper::{Method, StatusCode};
use parking_lot::RwLock;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Graph's largest page for these APIs.
pub const PAGE_CAP: usize = 300;

/// Token audiences accepted for Graph: every cloud's Microsoft Graph.
pub const GRAPH_RESOURCES: &[&str] = &[
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://graph.microsoft.de",
    "https://microsoftgraph.chinacloudapi.cn",
];

/// The partners the emulator serves, and their objects built on first use.
#[derive(Debug)]
pub struct GraphStore {
    partners: RwLock<Vec<PartnerConfig>>,
    built: RwLock<HashMap<String, Arc<PartnerData>>>,
    started: time::OffsetDateTime,
    /// Graph calls so far (for `graph_throttle_every`).
    calls: AtomicU64,
}

impl GraphStore {
    pub fn new(partners: Vec<PartnerConfig>) -> Self {
        GraphStore {
            partners: RwLock::new(partners),
            built: RwLock::new(HashMap::new()),
            started: time::OffsetDateTime::now_utc(),
            calls: AtomicU64::new(0),
        }
    }

    /// Replace the partners (their relationships change from the next call on).
    pub fn set(&self, partners: Vec<PartnerConfig>) {
        *self.partners.write() = partners;
        self.built.write().clear();
    }

    /// The data of the partner whose tenant GUID is `tid`; `None` when partners are
    /// configured and `tid` is none of them.
    fn data(&self, state: &State, tid: &str) -> Option<Arc<PartnerData>> {
        let tid = tid.to_ascii_lowercase();
        if let Some(d) = self.built.read().get(&tid) {
            return Some(d.clone());
        }
        let partners = self.partners.read();
        let config =
            partners.iter().find(|p| state.registry.tenant(&p.tenant).is_some_and(|t| t.guid == tid));
        if !partners.is_empty() && config.is_none() {
            return None;
        }
        let data = Arc::new(graph_data::build(&tid, config, self.started));
        self.built.write().insert(tid, data.clone());
        Some(data)
    }
}

/// A Graph error answer.
fn error(req: &Req, status: StatusCode, code: &str, message: &str) -> Resp {
    let date = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    json(
        status,
        &json!({"error": {"code": code, "message": message, "innerError": {
            "date": date,
            "request-id": uuid::Uuid::new_v4().to_string(),
            "client-request-id": req.header("client-request-id").unwrap_or_default(),
        }}}),
    )
}

/// Route `/graph/...` (`rest` without the `graph` segment).
pub async fn route(state: &Arc<State>, req: &Req, rest: &[&str]) -> Resp {
    let c = &state.counters;
    let endpoint = match rest {
        ["v1.0", t, d]
            if t.eq_ignore_ascii_case("tenantRelationships")
                && d.eq_ignore_ascii_case("delegatedAdminRelationships") =>
        {
            Endpoint::GraphRelationships
        }
        ["v1.0", "contracts"] => Endpoint::GraphContracts,
        _ => {
            c.request(Endpoint::NotFound);
            let segment = rest.last().copied().unwrap_or("graph");
            return error(
                req,
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Resource not found for the segment '{segment}'."),
            );
        }
    };
    c.request(endpoint);
    super::router::protocol_latency(state).await;
    if req.method != Method::GET {
        return super::router::method_not_allowed();
    }
    let every = state.config.graph_throttle_every;
    if every > 0 && (state.graph.calls.fetch_add(1, Relaxed) + 1).is_multiple_of(every) {
        c.graph_throttled.fetch_add(1, Relaxed);
        let r = error(req, StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", "Too many requests.");
        return super::http::with_header(r, "retry-after", &state.config.retry_after_secs.to_string());
    }
    let data = match admit(state, req) {
        Ok(d) => d,
        Err(resp) => return *resp,
    };
    let objects = match endpoint {
        Endpoint::GraphRelationships => match status_filter(req) {
            Ok(None) => data.relationships.iter().collect::<Vec<_>>(),
            Ok(Some(status)) => data
                .relationships
                .iter()
                .filter(|r| r["status"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(&status)))
                .collect(),
            Err(message) => return error(req, StatusCode::BAD_REQUEST, "BadRequest", &message),
        },
        _ if req.query.contains_key("$filter") => {
            return error(
                req,
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "$filter is not supported on contracts.",
            )
        }
        _ => data.contracts.iter().collect(),
    };
    page(state, req, endpoint, &objects)
}

/// Check the token and find the partner's data.
fn admit(state: &State, req: &Req) -> Result<Arc<PartnerData>, Box<Resp>> {
    let c = &state.counters;
    let refuse = |message: &str| {
        c.graph_unauthorized.fetch_add(1, Relaxed);
        Err(Box::new(error(req, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)))
    };
    let Some(token) = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
    else {
        return refuse("Access token is empty.");
    };
    let Ok(claims) = state.signer.verify_access(token.trim()) else {
        return refuse("Access token validation failure.");
    };
    if claims.exp <= now() {
        return refuse("Lifetime validation failed, the token is expired.");
    }
    if !GRAPH_RESOURCES.contains(&claims.aud.trim_end_matches('/')) {
        c.violation(super::stats::Violation::WrongAudience);
        return refuse("Access token validation failure. Invalid audience.");
    }
    let denied = |message: &str| {
        c.graph_denied.fetch_add(1, Relaxed);
        Err(Box::new(error(req, StatusCode::FORBIDDEN, "Authorization_RequestDenied", message)))
    };
    let Some(data) = state.graph.data(state, &claims.tid) else {
        return denied(&format!(
            "Tenant '{}' is not a partner tenant: it has no delegated admin relationships to list.",
            claims.tid
        ));
    };
    if data.permission_denied || state.config.graph_permission_denied {
        return denied("Insufficient privileges to complete the operation.");
    }
    Ok(data)
}

/// `$filter=status eq 'active'` → `Some("active")`; other filters are refused.
fn status_filter(req: &Req) -> Result<Option<String>, String> {
    let Some(filter) = req.query.get("$filter") else { return Ok(None) };
    let words: Vec<&str> = filter.split_whitespace().collect();
    match words.as_slice() {
        [field, op, value] if field.eq_ignore_ascii_case("status") && op.eq_ignore_ascii_case("eq") => {
            match value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
                Some(v) => Ok(Some(v.to_string())),
                None => Err(format!("Invalid filter clause: the value in '{filter}' must be quoted.")),
            }
        }
        _ => Err(format!("Invalid filter clause: '{filter}' is not supported (filter on status eq '...').")),
    }
}

/// One page of `objects` from `$skiptoken`, at most `$top` (capped) long, with the link to the next.
fn page(state: &State, req: &Req, endpoint: Endpoint, objects: &[&Value]) -> Resp {
    let cap = state.config.graph_page_size.clamp(1, PAGE_CAP);
    let size = req.query.get("$top").and_then(|t| t.parse::<usize>().ok()).map_or(cap, |t| t.clamp(1, cap));
    let skip = req.query.get("$skiptoken").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
    let end = skip.saturating_add(size).min(objects.len());
    let value: Vec<&Value> = objects.get(skip.min(objects.len())..end).unwrap_or_default().to_vec();
    let context = match endpoint {
        Endpoint::GraphContracts => "contracts",
        _ => "tenantRelationships/delegatedAdminRelationships",
    };
    let mut body = json!({
        "@odata.context": format!("{}/graph/v1.0/$metadata#{context}", req.origin),
        "value": value,
    });
    if end < objects.len() {
        let mut query: Vec<(String, String)> = req
            .query
            .iter()
            .filter(|(k, _)| *k != "$skiptoken")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        query.sort();
        query.push(("$skiptoken".into(), end.to_string()));
        let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
        body["@odata.nextLink"] = Value::String(format!("{}{}?{encoded}", req.origin, req.path));
    }
    state.counters.graph_pages_served.fetch_add(1, Relaxed);
    json(StatusCode::OK, &body)
}
