//! One tenant's session with the admin API: its `connection-id`, anchor, tokens and
//! cached compliance region; the three calls of SPEC §4 (region banner,
//! `EXOModuleFile`, paged `InvokeCommand`).

use super::adaptive::Gate;
use super::anchor::token_tenant;
use super::anchor::AnchorPolicy;
use super::body::invoke_body;
use super::client::{AdminClient, Answer, RequestLabel};
use super::error::{ApiError, ErrorKind};
use super::page::{parse_page, PageError};
use super::paging::{deadline_error, Pager, StepLimits};
use super::region::{regional_base, BANNER_VERSION};
use super::token::TokenSource;
use super::warnings::WarningLog;
use crate::environment::Environment;
use crate::profile::{Service, Step};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use url::Url;

/// Where a step's objects go, page by page: complete items lines (compact JSON, one
/// object per line, OData annotations removed).
pub trait PageSink: Send {
    fn write_items(&mut self, lines: &[u8]) -> std::io::Result<()>;
}

/// What a successful invocation produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InvokeOutcome {
    pub attempts: u32,
    pub item_count: u64,
    pub pages: u32,
    pub warnings: Vec<String>,
}

/// What a step has done so far (kept when its deadline cuts it short).
#[derive(Default)]
struct StepRun {
    attempts: u32,
    item_count: u64,
    pages: u32,
    warnings: WarningLog,
}

/// Why reading a step's pages stopped.
enum StepFailure {
    Api(ApiError),
    Sink(std::io::Error),
}

impl From<ApiError> for StepFailure {
    fn from(e: ApiError) -> Self {
        StepFailure::Api(e)
    }
}

/// A redirect answering an admin API call (other than the region banner) is never followed:
/// the token would go where the server says.
fn refuse_redirect(answer: &Answer) -> Result<(), ApiError> {
    if !(300..400).contains(&answer.status) {
        return Ok(());
    }
    let target = answer
        .location
        .as_deref()
        .and_then(|l| Url::parse(l).ok())
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|| "a relative or missing Location".into());
    Err(ApiError {
        status: Some(answer.status),
        ..ApiError::new(
            ErrorKind::Refused,
            format!("not followed: the service redirected (HTTP {}) to {target}; redirects are never followed with the token", answer.status),
        )
    })
}

/// Why an invocation failed.
#[derive(Debug)]
pub enum InvokeError {
    /// The service (or the way to it) failed.
    Api { error: ApiError, attempts: u32, warnings: Vec<String> },
    /// Writing the objects locally failed.
    Sink(std::io::Error),
}

/// A session with one tenant in one environment.
pub struct TenantSession {
    client: Arc<AdminClient>,
    env: Arc<Environment>,
    tenant: String,
    connection_id: String,
    anchor: AnchorPolicy,
    tokens: Arc<dyn TokenSource>,
    compliance_base: tokio::sync::OnceCell<Url>,
    /// `-j auto`: the tenant's and the run's request windows.
    gate: Option<Arc<Gate>>,
    /// The tenant GUID of the session's tokens (`tid`), read from the first token that has one.
    token_tid: OnceLock<String>,
}

impl TenantSession {
    pub fn new(
        client: Arc<AdminClient>,
        env: Arc<Environment>,
        tenant: &str,
        anchor: AnchorPolicy,
        tokens: Arc<dyn TokenSource>,
    ) -> Self {
        // Version 4 UUIDs from the thread's RNG: no `getrandom` system call each.
        let connection_id = uuid::Builder::from_random_bytes(rand::random()).into_uuid().to_string();
        TenantSession {
            client,
            env,
            tenant: tenant.to_string(),
            connection_id,
            anchor,
            tokens,
            compliance_base: tokio::sync::OnceCell::new(),
            gate: None,
            token_tid: OnceLock::new(),
        }
    }

    /// Send every request through `gate`'s windows (`-j auto`).
    pub fn with_gate(mut self, gate: Arc<Gate>) -> Self {
        self.gate = Some(gate);
        self
    }

    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// A valid token for `service` (used by the runner to fail a tenant's steps at
    /// once when it cannot sign in).
    pub async fn check_token(&self, service: Service) -> Result<(), ApiError> {
        self.tokens.token(self.env.resource(service)).await.map(|_| ())
    }

    /// The base URL for `service`: the exchange front door, or the compliance region
    /// discovered once per session.
    pub async fn base(&self, service: Service, attempts: &mut u32) -> Result<Url, ApiError> {
        match service {
            Service::Exchange => self.front_door(service),
            Service::Compliance => {
                let mut spent = 0u32;
                let base = self.compliance_base.get_or_try_init(|| self.discover_region(&mut spent)).await;
                *attempts += spent;
                base.cloned()
            }
        }
    }

    fn front_door(&self, service: Service) -> Result<Url, ApiError> {
        self.env.front_door(service).cloned().ok_or_else(|| {
            ApiError::new(
                ErrorKind::Refused,
                format!("environment `{}` has no {service} endpoint", self.env.name),
            )
        })
    }

    /// `GET COMPLIANCE/adminapi/beta/<tenant>/EXOBanner('AutogenSession')?Version=3.7.1`, redirects not followed.
    async fn discover_region(&self, attempts: &mut u32) -> Result<Url, ApiError> {
        let front = self.front_door(Service::Compliance)?;
        let url = self.api_url(
            &front,
            "beta",
            "EXOBanner('AutogenSession')",
            Some(&format!("Version={BANNER_VERSION}")),
        )?;
        let resource = self.env.resource(Service::Compliance).to_string();
        let build = |token: &str| self.headers(self.client.http().get(url.clone()), token, None);
        let label = RequestLabel { tenant: &self.tenant, what: "EXOBanner", gate: self.gate.as_deref() };
        let answer = self.client.execute(label, self.tokens.as_ref(), &resource, &build, attempts).await?;
        if !(300..400).contains(&answer.status) {
            tracing::debug!(tenant = %self.tenant, "no region redirect; using the front door");
            return Ok(front);
        }
        let location = answer.location.and_then(|l| url.join(&l).ok()).ok_or_else(|| ApiError {
            kind: ErrorKind::Http,
            status: Some(answer.status),
            code: None,
            exception_type: None,
            message: "region discovery: redirect without a usable Location".into(),
        })?;
        let base = regional_base(&self.env, &url, &location).map_err(|reason| ApiError {
            kind: ErrorKind::Refused,
            status: Some(answer.status),
            code: None,
            exception_type: None,
            message: format!("not sent: {reason}; the token goes only to origins the environment names"),
        })?;
        tracing::debug!(tenant = %self.tenant, region_base = %base, "compliance region discovered");
        Ok(base)
    }

    /// The cmdlets this tenant's role grants, from `EXOModuleFile` (`CommandName: *`).
    pub async fn exported_cmdlets(&self, service: Service) -> Result<BTreeSet<String>, ApiError> {
        let mut attempts = 0;
        let base = self.base(service, &mut attempts).await?;
        let url = self.api_url(&base, "v1.0", "EXOModuleFile", Some(&format!("Version={BANNER_VERSION}")))?;
        let build = |token: &str| {
            self.headers(self.client.http().get(url.clone()), token, None).header("CommandName", "*")
        };
        let label = RequestLabel { tenant: &self.tenant, what: "EXOModuleFile", gate: self.gate.as_deref() };
        let resource = self.env.resource(service).to_string();
        let answer =
            self.client.execute(label, self.tokens.as_ref(), &resource, &build, &mut attempts).await?;
        refuse_redirect(&answer)?;
        parse_module_file(&answer.body.to_bytes()).map_err(|m| ApiError {
            kind: ErrorKind::Http,
            status: Some(answer.status),
            code: None,
            exception_type: None,
            message: format!("EXOModuleFile: {m}"),
        })
    }

    /// Run one step: POST InvokeCommand and every `@odata.nextLink` page, handing each
    /// page's objects to `sink` as they are read, within `limits` (SPEC §9).
    pub async fn invoke(
        &self,
        step: &Step,
        sink: &mut dyn PageSink,
        limits: StepLimits,
    ) -> Result<InvokeOutcome, InvokeError> {
        let deadline = tokio::time::Instant::now() + limits.timeout;
        let mut run = StepRun::default();
        match tokio::time::timeout_at(deadline, self.read_pages(step, sink, limits, &mut run)).await {
            Ok(Ok(())) => Ok(InvokeOutcome {
                attempts: run.attempts,
                item_count: run.item_count,
                pages: run.pages,
                warnings: run.warnings.into_vec(),
            }),
            Ok(Err(StepFailure::Sink(e))) => Err(InvokeError::Sink(e)),
            Ok(Err(StepFailure::Api(error))) => {
                Err(InvokeError::Api { error, attempts: run.attempts, warnings: run.warnings.into_vec() })
            }
            Err(_elapsed) => Err(InvokeError::Api {
                error: deadline_error(limits, run.pages),
                attempts: run.attempts,
                warnings: run.warnings.into_vec(),
            }),
        }
    }

    async fn read_pages(
        &self,
        step: &Step,
        sink: &mut dyn PageSink,
        limits: StepLimits,
        run: &mut StepRun,
    ) -> Result<(), StepFailure> {
        let base = self.base(step.service, &mut run.attempts).await?;
        let select = (!step.select.is_empty()).then(|| format!("$select={}", step.select.join(",")));
        let mut url = self.api_url(&base, "beta", "InvokeCommand", select.as_deref())?;
        let body = serde_json::to_vec(&invoke_body(&step.cmdlet, &step.parameters))
            .map(bytes::Bytes::from)
            .map_err(|e| ApiError::new(ErrorKind::Cmdlet, format!("parameters: {e}")))?;
        let resource = self.env.resource(step.service).to_string();
        // The tenant's path may name it by its id as configured or by its GUID (the token's `tid`).
        let tid = self.token_tid(&resource).await;
        let names: Vec<&str> = std::iter::once(self.tenant.as_str()).chain(tid).collect();
        let mut pager = Pager::new(&url, limits);
        loop {
            let build = |token: &str| {
                self.headers(self.client.http().post(url.clone()), token, Some(&step.cmdlet))
                    .header("Content-Type", "application/json")
                    .header("X-ResponseFormat", "json")
                    .header("Prefer", "odata.maxpagesize=1000")
                    .body(body.clone())
            };
            let label = RequestLabel { tenant: &self.tenant, what: &step.cmdlet, gate: self.gate.as_deref() };
            let answer = self
                .client
                .execute(label, self.tokens.as_ref(), &resource, &build, &mut run.attempts)
                .await?;
            refuse_redirect(&answer)?;
            let mut write = |lines: &[u8]| sink.write_items(lines);
            let status = answer.status;
            // One buffer for the parse; the chunks it was read in are freed as they are copied.
            let body = answer.body.into_bytes();
            let meta = match parse_page(&body, &mut write, &mut run.warnings) {
                Ok(meta) => meta,
                Err(PageError::Sink(e)) => return Err(StepFailure::Sink(e)),
                Err(PageError::Malformed(m)) => {
                    return Err(ApiError { status: Some(status), ..ApiError::new(ErrorKind::Http, m) }.into())
                }
            };
            drop(body);
            pager.page_read();
            run.pages = pager.pages();
            run.item_count += meta.item_count;
            match meta.next_link {
                None => return Ok(()),
                Some(next) => url = pager.next(&url, &next, &names)?,
            }
        }
    }

    /// The `tid` of the session's token for `resource`, decoded from the first token that has
    /// one (a tenant's GUID does not change with the resource or a renewal).
    async fn token_tid(&self, resource: &str) -> Option<&str> {
        if let Some(tid) = self.token_tid.get() {
            return Some(tid);
        }
        let tid = self.tokens.token(resource).await.ok().and_then(|t| token_tenant(t.expose()))?;
        Some(self.token_tid.get_or_init(|| tid))
    }

    /// `BASE/adminapi/<version>/<tenant>/<operation>[?query]`.
    fn api_url(
        &self,
        base: &Url,
        version: &str,
        operation: &str,
        query: Option<&str>,
    ) -> Result<Url, ApiError> {
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|_| ApiError::new(ErrorKind::Http, format!("{base} cannot be a base URL")))?
            .pop_if_empty()
            .extend(["adminapi", version, &self.tenant, operation]);
        url.set_query(query);
        Ok(url)
    }

    fn headers(
        &self,
        req: reqwest::RequestBuilder,
        token: &str,
        cmdlet: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut request_id = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let request_id: &str = uuid::Builder::from_random_bytes(rand::random())
            .into_uuid()
            .hyphenated()
            .encode_lower(&mut request_id);
        let mut req = req
            .bearer_auth(token)
            .header("Accept", "application/json")
            .header("client-request-id", request_id);
        req = req.header("connection-id", &self.connection_id);
        if let Some(c) = cmdlet {
            req = req.header("X-CmdletName", c);
        }
        if let Some(anchor) = self.anchor.header(&self.tenant, token) {
            req = req.header("X-AnchorMailbox", anchor);
        }
        req
    }
}

/// `{"value":[{"exportedCmdlets":"Get-Label,Get-LabelPolicy,..."}]}` → the set of names.
pub fn parse_module_file(body: &[u8]) -> Result<BTreeSet<String>, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("answer is not JSON: {e}"))?;
    let entries = value.get("value").and_then(|v| v.as_array()).ok_or("no `value` array")?;
    let mut names = BTreeSet::new();
    for e in entries {
        if let Some(list) = e.get("exportedCmdlets").and_then(|v| v.as_str()) {
            names.extend(
                list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.to_ascii_lowercase()),
            );
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_file_names_are_case_insensitive() {
        let names =
            parse_module_file(br#"{"value":[{"exportedCmdlets":"Get-Label, Get-LabelPolicy,,"},{"x":1}]}"#)
                .unwrap();
        assert_eq!(names.into_iter().collect::<Vec<_>>(), vec!["get-label", "get-labelpolicy"]);
        assert!(parse_module_file(b"{}").is_err());
    }
}
