//! Counters the emulator keeps so tests can assert on what it served (`GET /_stats`).
//!
//! The hot path only touches atomics; token counts (rare, expensive anyway) sit behind a mutex.
//! The timestamped log of admin API calls ([`CallLog`]) is kept only when asked for
//! (`record_calls`), so a test can see how long a client waited between two calls.

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// The endpoints counted in `requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    DeviceCode,
    Discovery,
    Jwks,
    ManagedIdentity,
    Banner,
    ModuleFile,
    Invoke,
    Stats,
    Admin,
    DeviceLogin,
    Authorize,
    GraphRelationships,
    GraphContracts,
    NotFound,
}

impl Endpoint {
    const ALL: [Endpoint; 15] = [
        Endpoint::Token,
        Endpoint::DeviceCode,
        Endpoint::Discovery,
        Endpoint::Jwks,
        Endpoint::ManagedIdentity,
        Endpoint::Banner,
        Endpoint::ModuleFile,
        Endpoint::Invoke,
        Endpoint::Stats,
        Endpoint::Admin,
        Endpoint::DeviceLogin,
        Endpoint::Authorize,
        Endpoint::GraphRelationships,
        Endpoint::GraphContracts,
        Endpoint::NotFound,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::DeviceCode => "devicecode",
            Endpoint::Discovery => "discovery",
            Endpoint::Jwks => "jwks",
            Endpoint::ManagedIdentity => "managed_identity",
            Endpoint::Banner => "exo_banner",
            Endpoint::ModuleFile => "exo_module_file",
            Endpoint::Invoke => "invoke_command",
            Endpoint::Stats => "stats",
            Endpoint::Admin => "admin",
            Endpoint::DeviceLogin => "devicelogin",
            Endpoint::Authorize => "authorize",
            Endpoint::GraphRelationships => "graph_relationships",
            Endpoint::GraphContracts => "graph_contracts",
            Endpoint::NotFound => "not_found",
        }
    }
}

/// The protocol mistakes a client can make that the emulator counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    MissingAnchor,
    MalformedAnchor,
    RegionSkipped,
    ReusedClientRequestId,
    MissingClientRequestId,
    WrongAudience,
    WrongTenant,
}

/// Protocol violations seen (a snapshot).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violations {
    /// Admin API calls without `X-AnchorMailbox` (legitimate only with BypassMailboxAnchoring).
    pub missing_anchor: u64,
    /// `X-AnchorMailbox` present but not `APP:SystemMailbox{…}@<tenant>` / `UPN:<user>`.
    pub malformed_anchor: u64,
    /// Compliance calls sent to the front door (or the wrong region) for a tenant that redirects.
    pub region_skipped: u64,
    /// A `client-request-id` already used by an earlier request.
    pub reused_client_request_id: u64,
    /// Admin API calls without `client-request-id`.
    pub missing_client_request_id: u64,
    /// A token whose `aud` is not the called service's resource.
    pub wrong_audience: u64,
    /// A token whose `tid` is not the tenant in the URL.
    pub wrong_tenant: u64,
}

/// Tokens issued for one (tenant, resource, grant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCount {
    /// The tenant as named in the token request (lowercased).
    pub tenant: String,
    pub resource: String,
    /// `client_credentials`, `refresh_token`, `password`, `device_code` or `managed_identity`.
    pub grant: String,
    pub count: u64,
}

/// A snapshot of every counter; the JSON of `GET /_stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Access tokens issued in total.
    pub tokens_issued: u64,
    /// Access tokens issued per (tenant, resource, grant), sorted.
    pub tokens: Vec<TokenCount>,
    /// Token requests refused with an Entra error, by `error_codes[0]`.
    pub token_errors: BTreeMap<String, u64>,
    /// Device-code polls answered `slow_down` (polled faster than the announced interval).
    /// Counted apart from `token_errors`, where `"70016"` also covers `authorization_pending`.
    pub slow_down: u64,
    /// Client assertions whose signature was verified.
    pub assertions_verified: u64,
    /// Requests per endpoint name (`token`, `invoke_command`, `exo_banner`, …).
    pub requests: BTreeMap<String, u64>,
    /// Admin API calls per tenant (lowercased, as in the URL).
    pub admin_requests_per_tenant: BTreeMap<String, u64>,
    /// 429 answers sent.
    pub throttled: u64,
    /// Of those, the answers of an empty `--rate-limit` bucket.
    #[serde(default)]
    pub rate_limited: u64,
    /// Injected 5xx answers sent.
    pub server_errors: u64,
    /// Connections dropped on purpose.
    pub dropped: u64,
    /// 401 answers (missing, invalid or expired token).
    pub unauthorized: u64,
    /// Exchange errors answered (unknown cmdlet, bad parameter, not found, …).
    pub cmdlet_errors: u64,
    /// Highest number of admin API calls in flight at once, overall.
    pub max_concurrency: u64,
    /// Highest number of admin API calls in flight at once, per tenant.
    pub max_concurrency_per_tenant: BTreeMap<String, u64>,
    /// Objects returned in InvokeCommand pages.
    pub items_served: u64,
    /// Pages (InvokeCommand answers with `value`) served.
    pub pages_served: u64,
    /// Region redirects answered by the front door.
    pub region_redirects: u64,
    /// Microsoft Graph pages served (relationships and contracts).
    #[serde(default)]
    pub graph_pages_served: u64,
    /// Graph calls refused with 401 `InvalidAuthenticationToken`.
    #[serde(default)]
    pub graph_unauthorized: u64,
    /// Graph calls refused with 403 `Authorization_RequestDenied`.
    #[serde(default)]
    pub graph_denied: u64,
    /// Graph calls answered 429 (`graph_throttle_every`).
    #[serde(default)]
    pub graph_throttled: u64,
    /// Generated datasets kept ready to serve (`dataset_cache_mib`), and the bytes they are
    /// counted as.
    #[serde(default)]
    pub datasets_cached: usize,
    #[serde(default)]
    pub dataset_cache_bytes: usize,
    pub violations: Violations,
    /// Every admin API call in arrival order, when `record_calls` is on (else empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallRecord>,
}

/// One admin API call as the emulator saw it (times in µs since the emulator started).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The tenant as named in the URL (lowercased).
    pub tenant: String,
    /// The operation segment of the URL: `InvokeCommand`, `EXOBanner('AutogenSession')`, …
    pub op: String,
    /// `X-CmdletName`, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmdlet: Option<String>,
    /// The status answered; 0 when the connection was dropped on purpose.
    pub status: u16,
    /// When the request had been read.
    pub received_us: u64,
    /// When the answer was ready to send (after any injected latency).
    pub answered_us: u64,
    /// The latency the emulator injected (configured plus jitter), in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
}

/// How a call was answered, for [`CallLog::record`].
#[derive(Debug, Clone, Copy)]
pub struct Answered {
    /// The status answered; 0 when the connection was dropped on purpose.
    pub status: u16,
    /// When the request had been read (see [`CallLog::now_us`]).
    pub received_us: u64,
    /// The latency injected before answering, in milliseconds.
    pub latency_ms: u64,
}

impl Stats {
    /// Tokens issued for `tenant` and `resource` by any grant.
    pub fn tokens_for(&self, tenant: &str, resource: &str) -> u64 {
        self.tokens
            .iter()
            .filter(|t| t.tenant.eq_ignore_ascii_case(tenant) && t.resource == resource)
            .map(|t| t.count)
            .sum()
    }

    /// Tokens issued by `grant`, all tenants.
    pub fn tokens_by_grant(&self, grant: &str) -> u64 {
        self.tokens.iter().filter(|t| t.grant == grant).map(|t| t.count).sum()
    }

    /// Requests served by the endpoint named `name`.
    pub fn requests_to(&self, name: &str) -> u64 {
        self.requests.get(name).copied().unwrap_or(0)
    }

    /// The recorded calls of `tenant` (case-insensitive), in arrival order.
    pub fn calls_of(&self, tenant: &str) -> Vec<&CallRecord> {
        self.calls.iter().filter(|c| c.tenant.eq_ignore_ascii_case(tenant)).collect()
    }

    /// Total protocol violations.
    pub fn violations_total(&self) -> u64 {
        let v = &self.violations;
        v.missing_anchor
            + v.malformed_anchor
            + v.region_skipped
            + v.reused_client_request_id
            + v.missing_client_request_id
            + v.wrong_audience
            + v.wrong_tenant
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub struct Counters {
    requests: [AtomicU64; Endpoint::ALL.len()],
    tokens: Mutex<HashMap<(String, String, &'static str), u64>>,
    token_errors: Mutex<BTreeMap<String, u64>>,
    pub tokens_issued: AtomicU64,
    pub slow_down: AtomicU64,
    pub assertions_verified: AtomicU64,
    pub throttled: AtomicU64,
    pub rate_limited: AtomicU64,
    pub server_errors: AtomicU64,
    pub dropped: AtomicU64,
    pub unauthorized: AtomicU64,
    pub cmdlet_errors: AtomicU64,
    pub in_flight: AtomicU64,
    pub max_concurrency: AtomicU64,
    pub items_served: AtomicU64,
    pub pages_served: AtomicU64,
    pub region_redirects: AtomicU64,
    pub graph_pages_served: AtomicU64,
    pub graph_unauthorized: AtomicU64,
    pub graph_denied: AtomicU64,
    pub graph_throttled: AtomicU64,
    violations: [AtomicU64; 7],
}

impl Counters {
    pub fn request(&self, e: Endpoint) {
        self.requests[e as usize].fetch_add(1, Relaxed);
    }

    pub fn violation(&self, v: Violation) {
        self.violations[v as usize].fetch_add(1, Relaxed);
    }

    pub fn token(&self, tenant: &str, resource: &str, grant: &'static str) {
        self.tokens_issued.fetch_add(1, Relaxed);
        *self.tokens.lock().entry((tenant.to_ascii_lowercase(), resource.to_string(), grant)).or_insert(0) +=
            1;
    }

    pub fn token_error(&self, code: u32) {
        *self.token_errors.lock().entry(code.to_string()).or_insert(0) += 1;
    }

    /// Enter an admin API call; returns the new overall in-flight count.
    pub fn enter(&self) {
        let now = self.in_flight.fetch_add(1, Relaxed) + 1;
        self.max_concurrency.fetch_max(now, Relaxed);
    }

    pub fn leave(&self) {
        self.in_flight.fetch_sub(1, Relaxed);
    }

    /// Zero every counter (`POST /_admin/reset`).
    pub fn reset(&self) {
        for r in &self.requests {
            r.store(0, Relaxed);
        }
        for v in &self.violations {
            v.store(0, Relaxed);
        }
        self.tokens.lock().clear();
        self.token_errors.lock().clear();
        for a in [
            &self.tokens_issued,
            &self.slow_down,
            &self.assertions_verified,
            &self.throttled,
            &self.rate_limited,
            &self.server_errors,
            &self.dropped,
            &self.unauthorized,
            &self.cmdlet_errors,
            &self.items_served,
            &self.pages_served,
            &self.region_redirects,
            &self.graph_pages_served,
            &self.graph_unauthorized,
            &self.graph_denied,
            &self.graph_throttled,
        ] {
            a.store(0, Relaxed);
        }
        self.max_concurrency.store(self.in_flight.load(Relaxed), Relaxed);
    }

    /// A snapshot; per-tenant figures are filled in by the caller.
    pub fn snapshot(&self) -> Stats {
        let mut tokens: Vec<TokenCount> = self
            .tokens
            .lock()
            .iter()
            .map(|((tenant, resource, grant), count)| TokenCount {
                tenant: tenant.clone(),
                resource: resource.clone(),
                grant: (*grant).to_string(),
                count: *count,
            })
            .collect();
        tokens.sort_by(|a, b| (&a.tenant, &a.resource, &a.grant).cmp(&(&b.tenant, &b.resource, &b.grant)));
        let v = |x: Violation| self.violations[x as usize].load(Relaxed);
        Stats {
            tokens_issued: self.tokens_issued.load(Relaxed),
            tokens,
            token_errors: self.token_errors.lock().clone(),
            slow_down: self.slow_down.load(Relaxed),
            assertions_verified: self.assertions_verified.load(Relaxed),
            requests: Endpoint::ALL
                .iter()
                .map(|e| (e.name().to_string(), self.requests[*e as usize].load(Relaxed)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            admin_requests_per_tenant: BTreeMap::new(),
            throttled: self.throttled.load(Relaxed),
            rate_limited: self.rate_limited.load(Relaxed),
            server_errors: self.server_errors.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            unauthorized: self.unauthorized.load(Relaxed),
            cmdlet_errors: self.cmdlet_errors.load(Relaxed),
            max_concurrency: self.max_concurrency.load(Relaxed),
            max_concurrency_per_tenant: BTreeMap::new(),
            items_served: self.items_served.load(Relaxed),
            pages_served: self.pages_served.load(Relaxed),
            region_redirects: self.region_redirects.load(Relaxed),
            graph_pages_served: self.graph_pages_served.load(Relaxed),
            graph_unauthorized: self.graph_unauthorized.load(Relaxed),
            graph_denied: self.graph_denied.load(Relaxed),
            graph_throttled: self.graph_throttled.load(Relaxed),
            datasets_cached: 0,
            dataset_cache_bytes: 0,
            violations: Violations {
                missing_anchor: v(Violation::MissingAnchor),
                malformed_anchor: v(Violation::MalformedAnchor),
                region_skipped: v(Violation::RegionSkipped),
                reused_client_request_id: v(Violation::ReusedClientRequestId),
                missing_client_request_id: v(Violation::MissingClientRequestId),
                wrong_audience: v(Violation::WrongAudience),
                wrong_tenant: v(Violation::WrongTenant),
            },
            calls: Vec::new(),
        }
    }
}

/// The log of admin API calls behind [`Stats::calls`]; a no-op unless enabled.
#[derive(Debug)]
pub struct CallLog {
    enabled: bool,
    started: Instant,
    calls: Mutex<Vec<CallRecord>>,
}

impl CallLog {
    pub fn new(enabled: bool) -> Self {
        CallLog { enabled, started: Instant::now(), calls: Mutex::new(Vec::new()) }
    }

    /// Microseconds since the emulator started.
    pub fn now_us(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Record a call, answered now as `call` says.
    pub fn record(&self, tenant: &str, op: &str, cmdlet: Option<&str>, call: Answered) {
        if !self.enabled {
            return;
        }
        let answered_us = self.now_us();
        self.calls.lock().push(CallRecord {
            tenant: tenant.to_ascii_lowercase(),
            op: op.to_string(),
            cmdlet: cmdlet.map(str::to_string),
            status: call.status,
            received_us: call.received_us,
            answered_us,
            latency_ms: call.latency_ms,
        });
    }

    pub fn snapshot(&self) -> Vec<CallRecord> {
        self.calls.lock().clone()
    }

    pub fn clear(&self) {
        self.calls.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::{Answered, CallLog};

    fn answered(status: u16, received_us: u64, latency_ms: u64) -> Answered {
        Answered { status, received_us, latency_ms }
    }

    #[test]
    fn the_call_log_records_only_when_enabled_and_clears() {
        let off = CallLog::new(false);
        off.record("a.example", "InvokeCommand", Some("Get-Label"), answered(200, 0, 0));
        assert!(off.snapshot().is_empty());

        let on = CallLog::new(true);
        let received = on.now_us();
        on.record("A.Example", "InvokeCommand", Some("Get-Label"), answered(429, received, 25));
        on.record("a.example", "EXOBanner('AutogenSession')", None, answered(0, on.now_us(), 0));
        let calls = on.snapshot();
        assert_eq!(calls.len(), 2);
        assert_eq!(
            (calls[0].tenant.as_str(), calls[0].op.as_str(), calls[0].cmdlet.as_deref(), calls[0].status),
            ("a.example", "InvokeCommand", Some("Get-Label"), 429)
        );
        assert_eq!((calls[0].latency_ms, calls[1].latency_ms), (25, 0));
        assert_eq!((calls[1].cmdlet.as_deref(), calls[1].status), (None, 0));
        assert!(calls[0].received_us <= calls[0].answered_us && calls[0].answered_us <= calls[1].received_us);
        on.clear();
        assert!(on.snapshot().is_empty());
    }
}
