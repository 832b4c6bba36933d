//! Starting and stopping the emulator: the accept loop (plain TCP or TLS), one hyper
//! HTTP/1.1 connection task per client with keep-alive, graceful shutdown.
//!
//! Bounded whatever clients do (issue #9): a request head must arrive within
//! `header_timeout_ms` (idle keep-alive connections are closed after it too), a body within
//! `body_timeout_ms` (else 408), and at most `max_connections` are served at once (see
//! [`super::conn_slots`]: the oldest idle one makes room, a 503 only when all are busy), so a
//! flood of idle connections cannot use up the descriptors the emulator needs to answer.

use super::config::EmulatorConfig;
use super::conn_slots::{Conn, Slots};
use super::error::EmulatorError;
use super::faults::Flow;
use super::http::{parse_query, segments, Req, Resp};
use super::state::State;
use super::stats::Stats;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use url::Url;

const MAX_BODY: usize = 8 * 1024 * 1024;

/// What a connection over `max_connections` gets before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: 52\r\nretry-after: 1\r\n\r\nemulator: too many connections (--max-connections)\r\n";

/// The emulator (see [`Emulator::start`]).
#[derive(Debug)]
pub struct Emulator;

/// A running emulator. Dropping it stops the server too; [`EmulatorHandle::shutdown`]
/// waits for connections to finish.
#[derive(Debug)]
pub struct EmulatorHandle {
    base_url: Url,
    state: Arc<State>,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    cert_file: Option<PathBuf>,
}

/// The error a service returns to make hyper close the connection without answering.
#[derive(Debug)]
struct DroppedOnPurpose;

impl std::fmt::Display for DroppedOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedOnPurpose {}

impl Emulator {
    /// Bind `config.addr` and serve until shutdown.
    pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, EmulatorError> {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| EmulatorError::Bind { addr: config.addr.to_string(), reason: e.to_string() })?;
        let local = listener
            .local_addr()
            .map_err(|e| EmulatorError::Bind { addr: config.addr.to_string(), reason: e.to_string() })?;
        let host = if local.ip().is_unspecified() { "127.0.0.1".to_string() } else { local.ip().to_string() };
        let host = if host.contains(':') { format!("[{host}]") } else { host };
        let scheme = if config.tls { "https" } else { "http" };
        let base_url = Url::parse(&format!("{scheme}://{host}:{}/", local.port()))
            .map_err(|e| EmulatorError::Config(e.to_string()))?;
        let (acceptor, cert_file) = if config.tls {
            let path = config.tls_cert_file.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("tenantrun-emulator-{}.pem", local.port()))
            });
            (Some(super::tls::acceptor(&path)?), Some(path))
        } else {
            (None, None)
        };
        let state = Arc::new(State::new(config).map_err(EmulatorError::Config)?);
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, state.clone(), rx, acceptor));
        Ok(EmulatorHandle { base_url, state, shutdown: tx, task: Some(task), cert_file })
    }
}

impl EmulatorHandle {
    /// The base URL, e.g. `http://127.0.0.1:41234/`.
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// A snapshot of the counters (the JSON of `GET /_stats`).
    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// Zero the counters (`POST /_admin/reset`).
    pub fn reset_stats(&self) {
        self.state.reset();
    }

    /// The PEM file holding the generated TLS certificate, when serving HTTPS.
    pub fn cert_file(&self) -> Option<&Path> {
        self.cert_file.as_deref()
    }

    /// The configuration the emulator runs with.
    pub fn config(&self) -> &super::config::EmulatorConfig {
        &self.state.config
    }

    /// Approve a pending device code as `upn` (what `POST /_admin/device/approve` does).
    pub fn approve_device(&self, user_code: &str, upn: &str) -> Result<(), String> {
        self.state.devices.approve(&self.state, user_code, upn).map_err(|e| e.to_string())
    }

    /// Every access, refresh and id token issued and client assertion received so far, when
    /// started with `record_credentials` (empty otherwise).
    pub fn issued_credentials(&self) -> Vec<String> {
        self.state.credentials.snapshot()
    }

    /// Replace the partners Graph serves (their GDAP relationships and contracts); the
    /// next Graph call sees the new ones.
    pub fn set_partners(&self, partners: Vec<super::graph_data::PartnerConfig>) {
        self.state.graph.set(partners);
    }

    /// Mint a refresh token for `upn` and `client_id` (what `POST /_admin/refresh_token` does).
    pub fn mint_refresh_token(&self, upn: &str, client_id: &str) -> Result<String, String> {
        if self.state.registry.user(upn).is_none() {
            return Err(format!("unknown user {upn}"));
        }
        super::grant_refresh::mint_new(&self.state, upn, client_id).map_err(|e| e.message)
    }

    /// Stop accepting, let open connections finish their current request (up to 5 s), return.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut connections = tokio::task::JoinSet::new();
    let slots = Slots::new(state.config.max_connections.unwrap_or_else(super::conn_slots::default_cap));
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: back off briefly instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let Some(slot) = slots.admit() else {
                    // Every connection is mid-request: say so and free the descriptor now.
                    let _ = stream.try_write(BUSY);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let rx = shutdown.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    let handshake = Duration::from_millis(state.config.header_timeout_ms.max(1));
                    match tls {
                        Some(acceptor) => {
                            if let Ok(Ok(s)) = tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                                serve_connection(s, state, rx, &slot.conn).await;
                            }
                        }
                        None => serve_connection(stream, state, rx, &slot.conn).await,
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
}

async fn serve_connection<IO>(
    io: IO,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
    slot: &Arc<Conn>,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let header_timeout = Duration::from_millis(state.config.header_timeout_ms.max(1));
    let conn = slot.clone();
    let svc = service_fn(move |req| {
        let state = state.clone();
        let busy = conn.busy();
        async move {
            let answer = handle(state, req).await;
            drop(busy);
            answer
        }
    });
    let conn = http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
        // The cap needs the place: an idle connection closes at once, a busy one after its answer.
        _ = slot.close.notified() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Resp, DroppedOnPurpose> {
    let (parts, body) = req.into_parts();
    let body_timeout = Duration::from_millis(state.config.body_timeout_ms.max(1));
    let body = match tokio::time::timeout(body_timeout, Limited::new(body, MAX_BODY).collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(_)) => {
            return Ok(super::http::json(
                StatusCode::PAYLOAD_TOO_LARGE,
                &serde_json::json!({"error": {"code": "RequestTooLarge", "message": "The request body is too large or was cut off."}}),
            ))
        }
        Err(_) => {
            let mut resp = super::http::json(
                StatusCode::REQUEST_TIMEOUT,
                &serde_json::json!({"error": {"code": "RequestTimeout", "message": "The request body did not arrive in time."}}),
            );
            resp.headers_mut()
                .insert(hyper::header::CONNECTION, hyper::header::HeaderValue::from_static("close"));
            return Ok(resp);
        }
    };
    let host = parts
        .headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "127.0.0.1".into());
    let path = parts.uri.path().to_string();
    let req = Req {
        method: parts.method,
        segments: segments(&path),
        query: parse_query(parts.uri.query()),
        raw_query: parts.uri.query().unwrap_or_default().to_string(),
        path,
        headers: parts.headers,
        body,
        origin: format!("{}://{host}", state.scheme),
    };
    match super::router::route(&state, req).await {
        Ok(resp) => Ok(resp),
        Err(Flow::Respond(resp)) => Ok(resp),
        Err(Flow::Drop) => Err(DroppedOnPurpose),
    }
}

#[allow(dead_code)]
fn _assert_body_type(_: Full<Bytes>) {}
