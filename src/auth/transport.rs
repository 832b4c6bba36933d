//! HTTP to identity endpoints: one pooled client per environment, 429/503 answers retried
//! after their `Retry-After`, every request counted. Used as the `oauth2` crate's async HTTP
//! client and for the raw requests it cannot express (managed identity). Bodies are never
//! logged: they carry secrets.

use crate::environment::body::{human, read_bounded, BodyError, MAX_ANSWER_BYTES};
use oauth2::{HttpRequest, HttpResponse};
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counters shared by every transport of one broker.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub cache_hits: AtomicU64,
}

/// A failed exchange with an identity endpoint (no usable answer).
#[derive(Debug, thiserror::Error)]
pub(crate) enum TransportError {
    #[error("{0}")]
    Http(#[from] reqwest::Error),
    #[error("malformed request: {0}")]
    Request(String),
    /// The answer exceeded [`MAX_ANSWER_BYTES`] (SPEC §9); it was not read further.
    #[error(
        "the identity endpoint's answer is larger than {}, the limit for one answer; not read further",
        human(MAX_ANSWER_BYTES)
    )]
    TooLarge,
}

impl From<BodyError> for TransportError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { .. } => TransportError::TooLarge,
            BodyError::Read(e) => TransportError::Http(e),
        }
    }
}

/// One environment's HTTP client plus the retry policy for throttled answers.
#[derive(Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    counters: Arc<Counters>,
    throttle_retries: u32,
    max_retry_after: Duration,
}

impl Transport {
    pub fn new(client: reqwest::Client, counters: Arc<Counters>, throttle_retries: u32) -> Self {
        Transport { client, counters, throttle_retries, max_retry_after: Duration::from_secs(120) }
    }

    /// Send `request`; on 429/503 wait `Retry-After` (or 1, 2, 4 s) and send it again, up to
    /// `throttle_retries` times. The last answer is returned whatever its status.
    pub async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (parts, body) = request.into_parts();
        let mut attempt = 0u32;
        loop {
            let mut builder = self.client.request(parts.method.clone(), parts.uri.to_string());
            for (name, value) in &parts.headers {
                builder = builder.header(name, value);
            }
            let started = std::time::Instant::now();
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let response = builder.body(body.clone()).send().await?;
            let status = response.status();
            tracing::debug!(
                target: "tenantrun::auth",
                method = %parts.method,
                path = parts.uri.path(),
                status = status.as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "identity endpoint answered"
            );
            let throttled = status.as_u16() == 429 || status.as_u16() == 503;
            if throttled && attempt < self.throttle_retries {
                let wait = retry_after(response.headers())
                    .unwrap_or_else(|| Duration::from_secs(1u64 << attempt.min(5)))
                    .min(self.max_retry_after);
                tracing::info!(
                    target: "tenantrun::auth",
                    status = status.as_u16(),
                    wait_ms = wait.as_millis() as u64,
                    "identity endpoint throttled; retrying after Retry-After"
                );
                attempt += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            let mut out = http_response_builder(status, response.headers());
            let body = read_bounded(response, MAX_ANSWER_BYTES).await?;
            out = out.status(status);
            return out.body(body.to_bytes().to_vec()).map_err(|e| TransportError::Request(e.to_string()));
        }
    }
}

fn http_response_builder(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
) -> oauth2::http::response::Builder {
    let mut b = oauth2::http::Response::builder().status(status.as_u16());
    for (name, value) in headers {
        b = b.header(name.as_str(), value.as_bytes());
    }
    b
}

/// `Retry-After` in seconds (the HTTP-date form is rare on token endpoints and ignored);
/// any number saturates (the caller caps it).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    crate::adminapi::retry::parse_retry_after(v)
}

/// A per-grant HTTP client for the `oauth2` crate that remembers the last status seen
/// (oauth2's error type drops it; 400 vs 401 vs 429 matters for the message).
pub(crate) struct RecordingClient {
    transport: Transport,
    last_status: Arc<AtomicU16>,
}

impl RecordingClient {
    pub fn new(transport: &Transport) -> Self {
        RecordingClient { transport: transport.clone(), last_status: Arc::new(AtomicU16::new(0)) }
    }

    /// The status of the last answer, if any.
    pub fn last_status(&self) -> Option<u16> {
        match self.last_status.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s),
        }
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for RecordingClient {
    type Error = TransportError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, TransportError>> + Send + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let response = self.transport.execute(request).await?;
            self.last_status.store(response.status().as_u16(), Ordering::Relaxed);
            Ok(response)
        })
    }
}
