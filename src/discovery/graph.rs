//! A small Microsoft Graph reader for the tenant sources: every page of a collection
//! (`@odata.nextLink`), with the token asked of the partner tenant for
//! `RESOURCE_GRAPH/.default`, retries as in SPEC §4 (429/503 after `Retry-After`, 5xx
//! and network errors with backoff, 401 once with a new token) and the bounds of
//! SPEC §9 (64 MiB a page, 100,000 pages, no link seen twice, no other origin).

use crate::adminapi::retry::{parse_retry_after, Decision, Failure, RetryPolicy};
use crate::auth::TokenBroker;
use crate::environment::Environment;
use crate::profile::Identity;
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;
use url::Url;

/// Largest page accepted.
const MAX_PAGE_BYTES: usize = 64 * 1024 * 1024;
/// Most pages read for one collection.
const MAX_PAGES: usize = 100_000;
/// Server text kept in a message.
const MAX_MESSAGE: usize = 8 * 1024;

/// Why a collection could not be read (a secret-free message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GraphError {
    /// The HTTP status Graph answered, if it answered.
    pub status: Option<u16>,
    /// Graph's `error.code` (`Authorization_RequestDenied`, ...).
    pub code: Option<String>,
    pub message: String,
}

impl GraphError {
    fn new(message: impl Into<String>) -> Self {
        GraphError { status: None, code: None, message: message.into() }
    }
}

/// Reads Graph collections as one identity in one partner tenant.
pub struct GraphReader<'a> {
    pub broker: &'a TokenBroker,
    pub identity: &'a Identity,
    pub env: &'a Environment,
    pub tenant: &'a str,
    pub http: reqwest::Client,
    pub policy: RetryPolicy,
}

impl GraphReader<'_> {
    /// Every object of `GRAPH/<path>` (a path relative to the Graph base, with its query).
    pub async fn all(&self, path: &str) -> Result<Vec<Value>, GraphError> {
        let base =
            self.env.graph.as_ref().ok_or_else(|| {
                GraphError::new(format!("environment `{}` has no `graph` URL", self.env.name))
            })?;
        let mut url = base.join(path).map_err(|e| GraphError::new(format!("invalid Graph URL: {e}")))?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            if !seen.insert(url.to_string()) {
                return Err(GraphError::new(format!(
                    "@odata.nextLink {url} was seen before in this listing"
                )));
            }
            let page = self.page(&url).await?;
            let value = match page.get("value") {
                Some(Value::Array(items)) => items.clone(),
                _ => return Err(GraphError::new("the Graph answer has no `value` list")),
            };
            out.extend(value);
            match page.get("@odata.nextLink").and_then(Value::as_str) {
                None => return Ok(out),
                Some(next) => url = next_url(&url, next)?,
            }
        }
        Err(GraphError::new(format!("more than {MAX_PAGES} pages; stopped")))
    }

    /// One page, with retries.
    async fn page(&self, url: &Url) -> Result<Value, GraphError> {
        let mut retries = 0u32;
        let mut renewed = false;
        loop {
            let token = self
                .broker
                .token(self.identity, self.env, self.tenant, &self.env.resource_graph)
                .await
                .map_err(|e| GraphError::new(format!("cannot sign in for Microsoft Graph: {e}")))?;
            let sent = self
                .http
                .get(url.clone())
                .bearer_auth(token.value.expose())
                .header("accept", "application/json")
                .header("client-request-id", uuid::Uuid::new_v4().to_string())
                .send()
                .await;
            let failure = match sent {
                Ok(resp) if resp.status().is_success() => {
                    let body = read_bounded(resp).await?;
                    return serde_json::from_slice(&body)
                        .map_err(|e| GraphError::new(format!("the Graph answer is not JSON: {e}")));
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    let failure = Failure::Status { status, retry_after };
                    let decision = self.policy.decide(failure, retries, renewed, rand::random::<f64>());
                    if matches!(decision, Decision::GiveUp) {
                        let body = read_bounded(resp).await.unwrap_or_default();
                        return Err(answer_error(status, &body));
                    }
                    failure
                }
                Err(e) if e.is_timeout() => Failure::Timeout,
                Err(_) => Failure::Network,
            };
            match self.policy.decide(failure, retries, renewed, rand::random::<f64>()) {
                Decision::Retry { delay, reason } => {
                    tracing::info!(target: "tenantrun::discovery", %url, "retrying Graph: {reason}");
                    retries += 1;
                    tokio::time::sleep(delay.min(Duration::from_secs(120))).await;
                }
                Decision::RenewToken => {
                    renewed = true;
                    self.broker.invalidate(
                        self.identity,
                        self.tenant,
                        &self.env.resource_graph,
                        &token.value,
                    );
                }
                Decision::GiveUp => {
                    return Err(GraphError::new(match failure {
                        Failure::Timeout => format!("Microsoft Graph did not answer in time ({url})"),
                        _ => {
                            format!("cannot reach Microsoft Graph at {}", url.origin().ascii_serialization())
                        }
                    }))
                }
            }
        }
    }
}

/// The next page's URL: on the same origin as the current one (the token goes nowhere else).
fn next_url(current: &Url, next: &str) -> Result<Url, GraphError> {
    let url = current.join(next).map_err(|e| GraphError::new(format!("invalid @odata.nextLink: {e}")))?;
    if url.origin() != current.origin() {
        return Err(GraphError::new(format!(
            "@odata.nextLink points to another origin ({}); refusing to send the token there",
            url.origin().ascii_serialization()
        )));
    }
    Ok(url)
}

async fn read_bounded(mut resp: reqwest::Response) -> Result<Vec<u8>, GraphError> {
    let mut body = Vec::new();
    while let Some(chunk) =
        resp.chunk().await.map_err(|e| GraphError::new(format!("the Graph answer was cut off: {e}")))?
    {
        if body.len() + chunk.len() > MAX_PAGE_BYTES {
            return Err(GraphError::new("a Graph page is larger than 64 MiB; stopped"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A final error answer: Graph's `{"error":{"code","message"}}`, cleaned and bounded.
fn answer_error(status: u16, body: &[u8]) -> GraphError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let code = error.and_then(|e| e.get("code")).and_then(Value::as_str).map(clean);
    let message = error.and_then(|e| e.get("message")).and_then(Value::as_str).map(clean);
    let text = match (&code, &message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => "(no Graph error in the answer)".to_string(),
    };
    GraphError { status: Some(status), code, message: format!("Microsoft Graph answered {status} {text}") }
}

fn clean(text: &str) -> String {
    let mut s = crate::server_text::clean_line(text).into_owned();
    if s.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}
