//! A small HTTP/1.1 server for tests: it listens on a free loopback port, reads each
//! request (headers and `Content-Length` body) from a real socket, and answers what the
//! test's `answer` function returns, byte for byte (any status, any header, any body,
//! NUL bytes and escape sequences included). One connection per request (`Connection:
//! close`). It also serves the exchange admin API answers of the fixtures in
//! `tests/fixtures/exo_errors/`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The tenant of an `/adminapi/<version>/<tenant>/<operation>` path.
    pub fn tenant(&self) -> Option<&str> {
        let mut parts = self.path.split('?').next()?.split('/');
        parts.position(|p| p == "adminapi")?;
        parts.nth(1)
    }

    /// The JSON body, `null` when there is none.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// An answer, sent exactly as given.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(status: u16, body: &Value) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), b"application/json; charset=utf-8".to_vec())],
            body: serde_json::to_vec(body).unwrap(),
        }
    }
}

type AnswerFn = dyn Fn(&Request) -> Answer + Send + Sync;

/// The running server; it stops with the test process.
pub struct FixtureServer {
    pub base: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl FixtureServer {
    pub fn start(answer: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> FixtureServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<AnswerFn> = Arc::new(answer);
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (answer, seen) = (answer.clone(), seen.clone());
                std::thread::spawn(move || serve(stream, &*answer, &seen));
            }
        });
        FixtureServer { base, requests }
    }

    /// Every request served so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, answer: &AnswerFn, seen: &Mutex<Vec<Request>>) {
    let Some(request) = read_request(&stream) else { return };
    let a = answer(&request);
    seen.lock().unwrap().push(request);
    let mut out =
        format!("HTTP/1.1 {} Fixture\r\ncontent-length: {}\r\nconnection: close\r\n", a.status, a.body.len())
            .into_bytes();
    for (name, value) in &a.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&a.body);
    let mut stream = stream;
    let _ = stream.write_all(&out);
    let _ = stream.flush();
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut first = line.split_whitespace();
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
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
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, path, headers, body })
}

/// One fixture of `tests/fixtures/exo_errors/`.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    /// `{"cmdlet","parameters"}` or `{"tenant"}`: which requests get this answer.
    pub request: Value,
    pub answer: Answer,
    /// The `error` object expected on the journal line.
    pub expect: Value,
}

impl Fixture {
    /// Does `request` (an InvokeCommand, a banner, a module file) get this fixture's answer?
    pub fn matches(&self, request: &Request) -> bool {
        if let Some(tenant) = self.request["tenant"].as_str() {
            return request.tenant().is_some_and(|t| t.eq_ignore_ascii_case(tenant));
        }
        let input = &request.json()["CmdletInput"];
        input["CmdletName"] == self.request["cmdlet"] && input["Parameters"] == self.request["parameters"]
    }
}

/// Every fixture of `tests/fixtures/exo_errors/`, by name.
pub fn exo_error_fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exo_errors");
    let mut all: Vec<Fixture> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            let a = &v["answer"];
            let headers = a["headers"]
                .as_object()
                .map(|h| {
                    h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().as_bytes().to_vec())).collect()
                })
                .unwrap_or_default();
            let body = match a["body_nul_bytes"].as_u64() {
                Some(n) => vec![0u8; n as usize],
                None => serde_json::to_vec(&a["body"]).unwrap(),
            };
            Fixture {
                name: p.file_stem().unwrap().to_string_lossy().into_owned(),
                request: v["request"].clone(),
                answer: Answer { status: a["status"].as_u64().unwrap() as u16, headers, body },
                expect: v["expect"].clone(),
            }
        })
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// Serves the fixtures' answers (a tenant's fixture before a request's); any other admin
/// API request gets an empty page.
pub fn fixture_answers(mut fixtures: Vec<Fixture>) -> impl Fn(&Request) -> Answer + Send + Sync + 'static {
    fixtures.sort_by_key(|f| !f.request["tenant"].is_string());
    move |request| match fixtures.iter().find(|f| f.matches(request)) {
        Some(f) => f.answer.clone(),
        None => Answer::json(200, &serde_json::json!({"value": []})),
    }
}

/// A profile on a fixture server at `base`: an opaque access token (`FIXTURE_TOKEN`),
/// `tenants`, no retries, and `commands` (YAML of the `commands:` mapping, indented by 2).
pub fn access_token_profile(dir: &Path, base: &str, tenants: &[&str], commands: &str) -> PathBuf {
    let mut text = format!(
        "version: 1\nenvironments:\n  fixture:\n    authority: {base}/login\n    exchange: {base}/exchange\n    \
         compliance: {base}/compliance\n    compliance_region: {base}/region/{{region}}\nidentities:\n  handed:\n    \
         kind: access_token\n    token: {{ env: FIXTURE_TOKEN }}\ndefaults:\n  environment: fixture\n  identity: handed\n  \
         retries: 0\ntenants:\n"
    );
    for t in tenants {
        text.push_str(&format!("  - id: {t}\n"));
    }
    text.push_str("commands:\n");
    text.push_str(commands);
    let path = dir.join("profile.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `tenantrun run PROFILE -o runs --progress plain` in `dir`; the output and the run directory.
pub fn run_plain(dir: &Path, profile: &Path) -> (Output, PathBuf) {
    let o = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(dir)
        .env("FIXTURE_TOKEN", "opaque-fixture-token")
        .env("TENANTRUN_CACHE_DIR", dir.join("cache"))
        .env_remove("TENANTRUN_LOG")
        .args(["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "plain"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Run directory: "))
        .unwrap_or_else(|| panic!("no run directory:\n{stdout}\n{}", String::from_utf8_lossy(&o.stderr)));
    let run = dir.join(line.trim());
    (o, run)
}

/// No character of `text` is a control character other than line feed and tab.
pub fn assert_no_controls(what: &str, text: &[u8]) {
    let text = String::from_utf8_lossy(text);
    let bad: Vec<char> = text.chars().filter(|c| c.is_control() && *c != '\n' && *c != '\t').collect();
    assert!(bad.is_empty(), "{what} carries control characters {bad:?}:\n{text}");
}
