//! A hostile service for tests (issue #9): one loopback server, started on port 0, that
//! speaks just enough of the token endpoint and the admin API (SPEC §4) to get the real
//! binary to its attack, then attacks in the [`Mode`] it was started with — redirects to
//! other origins, endless or gigantic bodies, nextLink loops, absurd numbers, echoed
//! secrets. Plain tokio TCP (optionally TLS with a self-signed certificate); every request
//! is recorded so a test can assert what was (not) sent.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The access token the hostile token endpoint issues.
pub const ISSUED_TOKEN: &str = "hostile-issued-token-7Hq2";
/// The client secret the test profiles use (characters that every encoding changes).
pub const CLIENT_SECRET: &str = "s3cr+t/v=lue~ä !x";
pub const CLIENT_ID: &str = "3b9a7c44-0000-4000-8000-00000000e7c0";

/// How the server misbehaves.
#[derive(Debug, Clone)]
pub enum Mode {
    /// A well-behaved service: a token, no region redirect, one page of `{"Name":"ok"}`.
    Polite,
    /// The banner redirects to this `Location`; InvokeCommand pages are polite.
    RegionRedirect(String),
    /// InvokeCommand answers 200 with a chunked body of `bytes` bytes (`u64::MAX`: endless)
    /// of one JSON array of strings.
    HugePage { bytes: u64 },
    /// InvokeCommand answers 500 with a body of `bytes` bytes.
    HugeErrorBody { bytes: u64 },
    /// The token endpoint answers 200 with a body of `bytes` bytes.
    HugeTokenAnswer { bytes: u64 },
    /// InvokeCommand answers one page of `count` objects `{"i":N}`.
    TinyObjects { count: u64 },
    /// Page 1 links to page 2, page 2 back to page 1, ... (a last page after `stop_after`
    /// requests, so the test ends even when the loop is not detected).
    NextLinkLoop { stop_after: usize },
    /// Page 1 links to this (absolute or relative) URL.
    NextLinkTo(String),
    /// Pages link to the next page forever, each after `delay` (a last page after `stop_after`).
    SlowEndlessPages { delay: Duration, stop_after: usize },
    /// `pages` pages of `per_page` warnings each (and one warning of `long` bytes on page 1).
    WarningFlood { pages: usize, per_page: usize, long: usize },
    /// InvokeCommand answers 429 with this `Retry-After`.
    RetryAfter(String),
    /// The token endpoint's answer carries this `expires_in` (raw JSON number text).
    ExpiresIn(String),
    /// Every error text echoes what the client sent: the token request's form body, the
    /// bearer token, a Basic header of the client credentials; pages carry them as warnings.
    EchoSecrets,
    /// Answers carry terminal control sequences in every text a server writes.
    EscapeSequences,
}

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn is_token(&self) -> bool {
        self.path.contains("/oauth2/v2.0/token")
    }
    pub fn is_invoke(&self) -> bool {
        self.path.contains("/InvokeCommand")
    }
    pub fn is_banner(&self) -> bool {
        self.path.contains("EXOBanner")
    }
    /// `<tenant>` of `/adminapi/<version>/<tenant>/...`.
    pub fn tenant(&self) -> Option<&str> {
        let mut parts = self.path.split('?').next()?.split('/');
        parts.position(|p| p == "adminapi")?;
        parts.nth(1)
    }
}

/// A running hostile server; it stops with the test process.
pub struct Hostile {
    /// `http://127.0.0.1:PORT` (or `https://`).
    pub base: String,
    pub port: u16,
    /// The self-signed certificate (PEM) when serving TLS.
    pub cert_pem: Option<PathBuf>,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Hostile {
    /// Serve plain HTTP in `mode`.
    pub fn start(mode: Mode) -> Hostile {
        Self::launch(mode, None)
    }

    /// Serve HTTPS with a self-signed certificate for 127.0.0.1, written to `cert_dir/hostile.pem`.
    pub fn start_tls(mode: Mode, cert_dir: &Path) -> Hostile {
        Self::launch(mode, Some(cert_dir.join("hostile.pem")))
    }

    fn launch(mode: Mode, cert: Option<PathBuf>) -> Hostile {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let tls = cert.as_ref().map(|path| tls_acceptor(path));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base = format!("{scheme}://127.0.0.1:{port}");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, server_base) = (requests.clone(), base.clone());
        std::thread::spawn(move || {
            let rt =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let shared = Arc::new(Shared { mode, base: server_base, seen, counter: Mutex::new(0) });
                loop {
                    let Ok((stream, _)) = listener.accept().await else { continue };
                    let (shared, tls) = (shared.clone(), tls.clone());
                    tokio::spawn(async move {
                        match tls {
                            Some(acceptor) => {
                                if let Ok(s) = acceptor.accept(stream).await {
                                    serve(s, &shared).await;
                                }
                            }
                            None => serve(stream, &shared).await,
                        }
                    });
                }
            });
        });
        Hostile { base, port, cert_pem: cert, requests }
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

struct Shared {
    mode: Mode,
    base: String,
    seen: Arc<Mutex<Vec<Request>>>,
    /// Admin API requests answered so far.
    counter: Mutex<usize>,
}

fn tls_acceptor(path: &Path) -> tokio_rustls::TlsAcceptor {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    std::fs::write(path, certified.cert.pem()).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// What to send back.
enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// `prefix`, then `filler` repeated up to `bytes` in total (chunked; `u64::MAX` = until the
    /// client hangs up), then `suffix`.
    Stream {
        status: u16,
        prefix: Vec<u8>,
        filler: Vec<u8>,
        suffix: Vec<u8>,
        bytes: u64,
    },
    /// Wait, then reply.
    Later(Duration, Box<Reply>),
}

fn json_reply(status: u16, body: &Value) -> Reply {
    Reply::Full {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_vec(body).unwrap(),
    }
}

fn page(items: Value, next: Option<String>, warnings: Option<Value>) -> Reply {
    let mut body = json!({"@odata.context": "hostile", "value": items});
    if let Some(n) = next {
        body["@odata.nextLink"] = n.into();
    }
    if let Some(w) = warnings {
        body["@adminapi.warnings"] = w;
    }
    json_reply(200, &body)
}

fn token_answer(expires_in: &str) -> Reply {
    let body =
        format!(r#"{{"token_type":"Bearer","access_token":"{ISSUED_TOKEN}","expires_in":{expires_in}}}"#);
    Reply::Full {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into_bytes(),
    }
}

impl Shared {
    fn answer(&self, req: &Request) -> Reply {
        if req.is_token() {
            return self.token(req);
        }
        if req.is_banner() {
            return match &self.mode {
                Mode::RegionRedirect(location) => Reply::Full {
                    status: 302,
                    headers: vec![("location".into(), location.clone())],
                    body: Vec::new(),
                },
                _ => json_reply(200, &json!({})),
            };
        }
        let n = {
            let mut c = self.counter.lock().unwrap();
            *c += 1;
            *c
        };
        let url = format!("{}{}", self.base, req.path.split('?').next().unwrap_or(""));
        match &self.mode {
            Mode::HugePage { bytes } => Reply::Stream {
                status: 200,
                prefix: br#"{"value":[{"Name":"big"}],"padding":["#.to_vec(),
                filler: b"\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",".repeat(64),
                suffix: b"\"end\"]}".to_vec(),
                bytes: *bytes,
            },
            Mode::HugeErrorBody { bytes } => Reply::Stream {
                status: 500,
                prefix: b"<html>".to_vec(),
                filler: b"server error ".repeat(1024),
                suffix: b"</html>".to_vec(),
                bytes: *bytes,
            },
            Mode::TinyObjects { count } => {
                let mut body = Vec::with_capacity(*count as usize * 10 + 16);
                body.extend_from_slice(b"{\"value\":[");
                for i in 0..*count {
                    if i > 0 {
                        body.push(b',');
                    }
                    body.extend_from_slice(format!("{{\"i\":{}}}", i % 10).as_bytes());
                }
                body.extend_from_slice(b"]}");
                Reply::Full { status: 200, headers: vec![], body }
            }
            Mode::NextLinkLoop { stop_after } => {
                if n >= *stop_after {
                    return page(json!([{"Name": "last"}]), None, None);
                }
                let target = if req.path.contains("page=2") { 1 } else { 2 };
                page(json!([{"Name": format!("page {n}")}]), Some(format!("{url}?page={target}")), None)
            }
            Mode::NextLinkTo(next) if n == 1 => page(json!([{"Name": "first"}]), Some(next.clone()), None),
            Mode::SlowEndlessPages { delay, stop_after } => {
                let next = (n < *stop_after).then(|| format!("{url}?page={}", n + 1));
                Reply::Later(*delay, Box::new(page(json!([{"Name": format!("page {n}")}]), next, None)))
            }
            Mode::WarningFlood { pages, per_page, long } => {
                let mut warnings: Vec<Value> =
                    (0..*per_page).map(|i| json!(format!("warning {n}.{i}"))).collect();
                if n == 1 {
                    warnings.insert(0, json!("L".repeat(*long)));
                }
                let next = (n < *pages).then(|| format!("{url}?page={}", n + 1));
                page(json!([{"Name": format!("page {n}")}]), next, Some(Value::Array(warnings)))
            }
            Mode::RetryAfter(value) => Reply::Full {
                status: 429,
                headers: vec![("retry-after".into(), value.clone())],
                body: br#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#.to_vec(),
            },
            Mode::EchoSecrets => {
                let echo = self.echo();
                if req.path.contains("/fails/") || req.header("x-cmdletname") == Some("Get-Failing") {
                    json_reply(400, &json!({"error": {"code": "BadRequest", "message": echo}}))
                } else {
                    page(json!([{"Name": "ok"}]), None, Some(json!([echo])))
                }
            }
            Mode::EscapeSequences => {
                if req.header("x-cmdletname") == Some("Get-Failing") {
                    Reply::Full {
                        status: 403,
                        // ESC is not allowed in a header; the 8-bit CSI (UTF-8 C2 9B) is.
                        headers: vec![("x-ms-diagnostics".into(), "2000\u{9b}2J;reason=role\u{9b}0m".into())],
                        body: "\u{1b}[31mdenied\u{1b}[0m".into(),
                    }
                } else {
                    page(
                        json!([{"Name": "ok"}]),
                        None,
                        Some(json!(["\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[32mall OK\u{1b}[0m"])),
                    )
                }
            }
            _ => page(json!([{"Name": "ok"}]), None, None),
        }
    }

    fn token(&self, req: &Request) -> Reply {
        match &self.mode {
            Mode::HugeTokenAnswer { bytes } => Reply::Stream {
                status: 200,
                prefix: format!(
                    r#"{{"token_type":"Bearer","access_token":"{ISSUED_TOKEN}","expires_in":3600,"padding":""#
                )
                .into_bytes(),
                filler: b"x".repeat(64 * 1024),
                suffix: b"\"}".to_vec(),
                bytes: *bytes,
            },
            Mode::ExpiresIn(v) => token_answer(v),
            Mode::EchoSecrets if req.path.contains("/fails.example/") => {
                let sent = String::from_utf8_lossy(&req.body).into_owned();
                // Not the bearer token: this tenant never held one.
                let desc = format!("AADSTS7000215: You sent: {sent}");
                json_reply(
                    401,
                    &json!({"error": "invalid_client", "error_description": desc, "error_codes": [7000215]}),
                )
            }
            Mode::EscapeSequences if req.path.contains("/fails.example/") => json_reply(
                400,
                &json!({"error": "invalid_client", "error_description": "AADSTS7000215: \u{1b}]0;t\u{7}\u{1b}[2Jbad\u{1b}[32m OK"}),
            ),
            _ => token_answer("3600"),
        }
    }

    /// Everything the client sent that must never be written: every form of the secret it
    /// posted, the bearer token, a Basic header of the credentials.
    fn echo(&self) -> String {
        let form: String = url::form_urlencoded::byte_serialize(CLIENT_SECRET.as_bytes()).collect();
        let percent = CLIENT_SECRET
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>();
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
        format!(
            "echo client_secret={form} q={percent} raw={CLIENT_SECRET} Authorization: Bearer {ISSUED_TOKEN} Authorization: Basic {basic}"
        )
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(stream: S, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    let Some(req) = read_request(&mut reader).await else { return };
    let reply = shared.answer(&req);
    shared.seen.lock().unwrap().push(req);
    let mut stream = reader.into_inner();
    send(&mut stream, reply).await;
    let _ = stream.shutdown().await;
}

async fn send<S: AsyncWrite + Unpin>(stream: &mut S, reply: Reply) {
    match reply {
        Reply::Later(delay, reply) => {
            tokio::time::sleep(delay).await;
            Box::pin(send(stream, *reply)).await;
        }
        Reply::Full { status, headers, body } => {
            let mut out = format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            let mut bytes = out.into_bytes();
            bytes.extend_from_slice(&body);
            let _ = stream.write_all(&bytes).await;
        }
        Reply::Stream { status, prefix, filler, suffix, bytes } => {
            let head = format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() || write_chunk(stream, &prefix).await.is_err()
            {
                return;
            }
            let mut sent = prefix.len() as u64;
            while sent.saturating_add(filler.len() as u64) < bytes {
                if write_chunk(stream, &filler).await.is_err() {
                    return; // the client hung up
                }
                sent += filler.len() as u64;
            }
            let _ = write_chunk(stream, &suffix).await;
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
    }
}

async fn write_chunk<S: AsyncWrite + Unpin>(stream: &mut S, data: &[u8]) -> std::io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    stream.write_all(format!("{:x}\r\n", data.len()).as_bytes()).await?;
    stream.write_all(data).await?;
    stream.write_all(b"\r\n").await
}

async fn read_request<S: AsyncRead + Unpin>(reader: &mut BufReader<S>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    let mut first = line.split_whitespace();
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await.ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize =
        headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).await.ok()?;
    Some(Request { method, path, headers, body })
}

/// How the test profile signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// `access_token` from `$HOSTILE_TOKEN`.
    HandedToken,
    /// `client_secret` against the hostile token endpoint (`$HOSTILE_SECRET`).
    ClientSecret,
}

/// A profile whose environment is `base` (`authority`, front doors; `compliance_region`
/// when given), with `tenants`, no retries, and `commands` (YAML of the `commands:`
/// mapping, indented by 2). `defaults` adds lines under `defaults:` (indented by 2).
pub struct ProfileSpec<'a> {
    pub base: &'a str,
    pub region_template: Option<String>,
    pub ca_file: Option<&'a Path>,
    pub sign_in: SignIn,
    pub tenants: &'a [&'a str],
    pub commands: &'a str,
    pub defaults: &'a str,
}

impl<'a> ProfileSpec<'a> {
    pub fn new(base: &'a str, commands: &'a str) -> Self {
        ProfileSpec {
            base,
            region_template: None,
            ca_file: None,
            sign_in: SignIn::HandedToken,
            tenants: &["contoso.example"],
            commands,
            defaults: "",
        }
    }

    pub fn write(&self, dir: &Path) -> PathBuf {
        let base = self.base;
        let mut text =
            format!("version: 1\nenvironments:\n  hostile:\n    authority: {base}/login\n    exchange: {base}/exchange\n    compliance: {base}/compliance\n");
        if let Some(t) = &self.region_template {
            text.push_str(&format!("    compliance_region: {t}\n"));
        }
        if let Some(ca) = self.ca_file {
            text.push_str(&format!("    ca_file: {}\n", ca.display()));
        }
        text.push_str("identities:\n  who:\n");
        match self.sign_in {
            SignIn::HandedToken => text.push_str("    kind: access_token\n    token: { env: HOSTILE_TOKEN }\n"),
            SignIn::ClientSecret => text.push_str(&format!(
                "    kind: client_secret\n    client_id: {CLIENT_ID}\n    client_secret: {{ env: HOSTILE_SECRET }}\n"
            )),
        }
        text.push_str(&format!(
            "defaults:\n  environment: hostile\n  identity: who\n  retries: 0\n{}tenants:\n",
            self.defaults
        ));
        for t in self.tenants {
            text.push_str(&format!("  - id: {t}\n"));
        }
        text.push_str("commands:\n");
        text.push_str(self.commands);
        let path = dir.join("profile.yaml");
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// A step on the exchange front door (no region discovery).
pub fn exchange_step(list: &str, cmdlet: &str) -> String {
    format!("  {list}:\n    - cmdlet: {cmdlet}\n      service: exchange\n")
}

/// A step on the compliance front door (region discovery first).
pub fn compliance_step(list: &str, cmdlet: &str) -> String {
    format!("  {list}:\n    - cmdlet: {cmdlet}\n      service: compliance\n")
}

/// What a run left.
pub struct Ran {
    pub output: Output,
    pub run_dir: PathBuf,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// The journal lines.
    pub fn results(&self) -> Vec<Value> {
        std::fs::read_to_string(self.run_dir.join("results.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The journal line of (tenant, command list).
    pub fn line(&self, tenant: &str, command: &str) -> Value {
        self.results()
            .into_iter()
            .find(|l| l["tenant"] == tenant && l["command"] == command)
            .unwrap_or_else(|| panic!("no line for {tenant}/{command}:\n{}", self.show()))
    }

    pub fn show(&self) -> String {
        format!("exit {:?}\nstdout:\n{}\nstderr:\n{}", self.output.status.code(), self.stdout, self.stderr)
    }
}

/// `tenantrun run PROFILE -o runs --progress plain` in `dir`.
pub fn run(dir: &Path, profile: &Path) -> Ran {
    run_with(dir, profile, &[])
}

/// [`run`] with extra environment variables.
pub fn run_with(dir: &Path, profile: &Path, env: &[(&str, &str)]) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantrun"));
    cmd.current_dir(dir)
        .env("HOSTILE_TOKEN", "opaque-hostile-handed-token")
        .env("HOSTILE_SECRET", CLIENT_SECRET)
        .env("TENANTRUN_CACHE_DIR", dir.join("cache"))
        .env_remove("TENANTRUN_LOG")
        .args(["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "plain"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let run_dir = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Run directory: "))
        .map(|l| dir.join(l.trim()))
        .unwrap_or_else(|| panic!("no run directory:\n{stdout}\n{stderr}"));
    Ran { output, run_dir, stdout, stderr }
}

/// Start a server in `mode` and run one tenant's one exchange step, command list `exo`
/// (`Get-Mailbox`), with `defaults` added under `defaults:`.
pub fn run_exchange_step(mode: Mode, defaults: &str) -> (Hostile, Ran, tempfile::TempDir) {
    let server = Hostile::start(mode);
    let dir = tempfile::tempdir().unwrap();
    let commands = exchange_step("exo", "Get-Mailbox");
    let spec = ProfileSpec { defaults, ..ProfileSpec::new(&server.base, &commands) };
    let ran = run(dir.path(), &spec.write(dir.path()));
    (server, ran, dir)
}

/// Peak resident memory (MiB) of the largest child this test process has waited for.
pub fn children_peak_rss_mib() -> i64 {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    usage.max_rss() / 1024 // kilobytes on Linux
}
