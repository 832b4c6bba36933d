//! The HTTP transport of the admin API: one pooled client per environment, and the
//! retry loop every request goes through (SPEC §4, [`RetryPolicy`]).

use super::error::{ApiError, ErrorKind, FailedAnswer};
use super::retry::{parse_retry_after, Decision, Failure, RetryPolicy};
use super::token::TokenSource;
use crate::environment::body::{
    read_bounded, read_prefix, Body, BodyError, MAX_ANSWER_BYTES, MAX_ERROR_BODY_BYTES,
};
use crate::environment::{certificate_problem, CA_FILE_HINT};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counters across every request of a run (for `summary.json`).
#[derive(Debug, Default)]
pub struct ApiStats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    pub token_renewals: AtomicU64,
}

impl ApiStats {
    pub fn snapshot(&self) -> ApiStatsSnapshot {
        ApiStatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            token_renewals: self.token_renewals.load(Ordering::Relaxed),
        }
    }
}

/// A copy of [`ApiStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiStatsSnapshot {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub token_renewals: u64,
}

/// A successful (status < 400) answer, its body read in full (at most
/// [`MAX_ANSWER_BYTES`]).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: Body,
}

/// Labels for log lines about one request (never secrets).
#[derive(Debug, Clone, Copy)]
pub struct RequestLabel<'a> {
    pub tenant: &'a str,
    pub what: &'a str,
}

/// The transport shared by every tenant session of one environment.
#[derive(Debug)]
pub struct AdminClient {
    http: reqwest::Client,
    policy: RetryPolicy,
    timeout: Duration,
    stats: Arc<ApiStats>,
}

impl AdminClient {
    /// `timeout` is the per-request timeout the `http` client was built with (for messages).
    pub fn new(http: reqwest::Client, policy: RetryPolicy, timeout: Duration, stats: Arc<ApiStats>) -> Self {
        AdminClient { http, policy, timeout, stats }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn stats(&self) -> &Arc<ApiStats> {
        &self.stats
    }

    /// Send the request `build` makes (given the bearer token) until it succeeds or the
    /// policy gives up. `attempts` is incremented per attempt sent.
    pub async fn execute(
        &self,
        label: RequestLabel<'_>,
        tokens: &dyn TokenSource,
        resource: &str,
        build: &(dyn Fn(&str) -> reqwest::RequestBuilder + Send + Sync),
        attempts: &mut u32,
    ) -> Result<Answer, ApiError> {
        let mut retries = 0u32;
        let mut renewed = false;
        loop {
            let token = tokens.token(resource).await?;
            *attempts += 1;
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let (failure, error) = match build(token.expose()).send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let header = |name: &str| {
                        resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
                    };
                    let retry_after = header("retry-after").and_then(|v| parse_retry_after(&v));
                    let location = header("location");
                    if status < 400 {
                        match read_bounded(resp, MAX_ANSWER_BYTES).await {
                            Ok(body) => return Ok(Answer { status, location, body }),
                            Err(BodyError::TooLarge { limit }) => {
                                // Final: the same request would get the same answer.
                                return Err(ApiError {
                                    status: Some(status),
                                    ..ApiError::new(
                                        ErrorKind::Http,
                                        format!("{}: {}", label.what, BodyError::TooLarge { limit }),
                                    )
                                });
                            }
                            Err(BodyError::Read(e)) => self.transport_failure(&e),
                        }
                    } else {
                        let diagnostics =
                            resp.headers().get("x-ms-diagnostics").map(|v| v.as_bytes().to_vec());
                        match read_prefix(resp, MAX_ERROR_BODY_BYTES).await {
                            Ok(body) => {
                                let bytes = body.to_bytes();
                                let answer = FailedAnswer {
                                    body: &bytes,
                                    diagnostics: diagnostics.as_deref(),
                                    truncated: body.truncated,
                                };
                                (
                                    Failure::Status { status, retry_after },
                                    ApiError::from_response(status, answer),
                                )
                            }
                            Err(e) => self.transport_failure(&e),
                        }
                    }
                }
                Err(e) => self.transport_failure(&e),
            };
            if matches!(failure, Failure::Status { status: 429 | 503, .. }) {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
            }
            match self.policy.decide(failure, retries, renewed, rand::random::<f64>()) {
                Decision::Retry { delay, reason } => {
                    retries += 1;
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(
                        tenant = label.tenant,
                        request = label.what,
                        retry = retries,
                        delay_ms = delay.as_millis() as u64,
                        "retrying: {reason}: {}",
                        error.message
                    );
                    tokio::time::sleep(delay).await;
                }
                Decision::RenewToken => {
                    renewed = true;
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    self.stats.token_renewals.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(
                        tenant = label.tenant,
                        request = label.what,
                        "retrying: token rejected (401), renewing it"
                    );
                    tokens.invalidate(resource, &token);
                }
                Decision::GiveUp => {
                    if retries > 0 || renewed {
                        tracing::info!(
                            tenant = label.tenant,
                            request = label.what,
                            retries,
                            "giving up: {}",
                            error.message
                        );
                    }
                    return Err(match error.kind {
                        ErrorKind::Auth => ApiError {
                            message: format!(
                                "the service rejected a fresh token for tenant {} (401): {} (hint: check the identity's consent and roles in this tenant)",
                                label.tenant, error.message
                            ),
                            ..error
                        },
                        _ => error,
                    });
                }
            }
        }
    }

    fn transport_failure(&self, e: &reqwest::Error) -> (Failure, ApiError) {
        if e.is_timeout() {
            let msg = format!("no answer within {}s (per-request timeout)", self.timeout.as_secs_f64());
            (Failure::Timeout, ApiError::new(ErrorKind::Timeout, msg))
        } else if let Some(problem) = certificate_problem(e) {
            // Final: trying again meets the same certificate.
            let origin = e.url().map(|u| u.origin().ascii_serialization()).unwrap_or_default();
            let msg = format!("{origin} {problem} (hint: {CA_FILE_HINT})");
            (Failure::Final, ApiError::new(ErrorKind::Network, msg))
        } else {
            let text = crate::redact::scrub(&describe(e), &[]).into_owned();
            (Failure::Network, ApiError::new(ErrorKind::Network, text))
        }
    }
}

/// A transport error with its causes, without the query string of the URL.
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = match e.url() {
        Some(u) => format!("request to {}{} failed", u.origin().ascii_serialization(), u.path()),
        None => "request failed".to_string(),
    };
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
