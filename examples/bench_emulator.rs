//! Benchmark of the emulator (loopback only, bounded in connections and time):
//!
//! 1. throughput: N keep-alive HTTP/1.1 connections send InvokeCommand back to back for
//!    S seconds, at zero injected latency;
//! 2. held connections: C connections each send one InvokeCommand while the emulator
//!    injects L ms of latency, so all C are in flight at once;
//! 3. token grants: 16 concurrent clients ask for client-credentials tokens of distinct
//!    tenants for 3 seconds (each grant signs a fresh RS256 token).
//!
//! Phases 1 and 2 send one token with every request: its signature is verified on the first
//! request and found in the emulator's verification cache afterwards (as for a real client,
//! which reuses its token for an hour), so they measure the admin API path, not RSA.
//! Exit 1 when any request was not answered 200, the emulator counted a protocol violation,
//! or a token grant failed; the figures never change the exit code.
//!
//! Run: `cargo run --release --example bench_emulator -- [--connections 64] [--seconds 5]
//! [--held 5000] [--latency-ms 2000]`
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tenantrun::emulator::{
    Emulator, EmulatorConfig, TenantConfig, APP_CLIENT_ID, APP_CLIENT_SECRET, SYSTEM_MAILBOX,
};

const TENANT: &str = "bench.onmicrosoft.com";

struct Args {
    connections: usize,
    seconds: u64,
    held: usize,
    latency_ms: u64,
}

fn args() -> Args {
    let mut a = Args { connections: 64, seconds: 5, held: 5000, latency_ms: 2000 };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < argv.len() {
        let v: u64 = argv[i + 1].parse().expect("numeric flag value");
        match argv[i].as_str() {
            "--connections" => a.connections = (v as usize).clamp(1, 1024),
            "--seconds" => a.seconds = v.clamp(1, 60),
            "--held" => a.held = (v as usize).clamp(1, 8000),
            "--latency-ms" => a.latency_ms = v.clamp(100, 30_000),
            other => panic!("unknown flag {other}"),
        }
        i += 2;
    }
    a
}

fn config(latency_ms: u64) -> EmulatorConfig {
    EmulatorConfig {
        latency_ms,
        tenants: vec![TenantConfig {
            id: TENANT.into(),
            region: Some("none".into()),
            ..TenantConfig::default()
        }],
        ..EmulatorConfig::default()
    }
}

async fn token(base: &str) -> String {
    let client = reqwest::Client::new();
    let body: serde_json::Value = client
        .post(format!("{base}login/{TENANT}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP_CLIENT_ID),
            ("client_secret", APP_CLIENT_SECRET),
            ("scope", "https://outlook.office365.com/.default"),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token json");
    body["access_token"].as_str().expect("access_token").to_string()
}

/// The headers that do not change between requests, built once.
struct Fixed {
    host: hyper::header::HeaderValue,
    authorization: hyper::header::HeaderValue,
    anchor: hyper::header::HeaderValue,
}

impl Fixed {
    fn new(authority: &str, token: &str) -> Self {
        Fixed {
            host: authority.parse().expect("host"),
            authorization: format!("Bearer {token}").parse().expect("token header"),
            anchor: format!("APP:{SYSTEM_MAILBOX}@{TENANT}").parse().expect("anchor"),
        }
    }
}

fn request(fixed: &Fixed) -> hyper::Request<Full<Bytes>> {
    static BODY: &str = r#"{"CmdletInput":{"CmdletName":"Get-AcceptedDomain","Parameters":{}}}"#;
    static PATH: &str = "/exchange/adminapi/beta/bench.onmicrosoft.com/InvokeCommand";
    let mut id = [0u8; 36];
    let id = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut id);
    hyper::Request::post(PATH)
        .header("host", fixed.host.clone())
        .header("authorization", fixed.authorization.clone())
        .header("content-type", "application/json")
        .header("x-responseformat", "json")
        .header("prefer", "odata.maxpagesize=1000")
        .header("x-cmdletname", "Get-AcceptedDomain")
        .header("client-request-id", &*id)
        .header("connection-id", "00000000-0000-4000-8000-0000000000be")
        .header("x-anchormailbox", fixed.anchor.clone())
        .body(Full::new(Bytes::from_static(BODY.as_bytes())))
        .expect("request")
}

async fn connect(addr: &str) -> http1::SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    sender
}

async fn throughput(a: &Args) -> Result<(), String> {
    let emu = Emulator::start(config(0)).await.expect("start");
    let base = emu.base_url().to_string();
    let authority = format!("{}:{}", emu.base_url().host_str().unwrap(), emu.base_url().port().unwrap());
    let fixed = Arc::new(Fixed::new(&authority, &token(&base).await));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..a.connections {
        let (fixed, stop, done, failed, authority) =
            (fixed.clone(), stop.clone(), done.clone(), failed.clone(), authority.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(&authority).await;
            while !stop.load(Relaxed) {
                let resp = sender.send_request(request(&fixed)).await.expect("send");
                let ok = resp.status() == 200;
                let body = resp.into_body().collect().await.expect("body").to_bytes();
                if ok && !body.is_empty() {
                    done.fetch_add(1, Relaxed);
                } else {
                    failed.fetch_add(1, Relaxed);
                }
            }
        }));
    }
    // Warm up one second, then measure.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let start_count = done.load(Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    let count = done.load(Relaxed) - start_count;
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Relaxed);
    for t in tasks {
        // A connection task that panicked (send or body failed) counts as a failure.
        if t.await.is_err() {
            failed.fetch_add(1, Relaxed);
        }
    }
    let stats = emu.stats();
    println!(
        "throughput: {:.0} InvokeCommand/s over {elapsed:.1}s with {} keep-alive connections ({} failed, {} items served, {} violations)",
        count as f64 / elapsed,
        a.connections,
        failed.load(Relaxed),
        stats.items_served,
        stats.violations_total()
    );
    emu.shutdown().await;
    match (failed.load(Relaxed), stats.violations_total()) {
        (0, 0) => Ok(()),
        (f, v) => Err(format!("throughput: {f} requests not answered 200, {v} protocol violations")),
    }
}

async fn held(a: &Args) -> Result<(), String> {
    let emu = Emulator::start(config(a.latency_ms)).await.expect("start");
    let base = emu.base_url().to_string();
    let authority = format!("{}:{}", emu.base_url().host_str().unwrap(), emu.base_url().port().unwrap());
    let fixed = Arc::new(Fixed::new(&authority, &token(&base).await));
    let ok = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut senders = Vec::with_capacity(a.held);
    for _ in 0..a.held {
        senders.push(connect(&authority).await);
    }
    let connected = started.elapsed();
    let fired = Instant::now();
    let mut tasks = Vec::with_capacity(a.held);
    for mut sender in senders {
        let (fixed, ok) = (fixed.clone(), ok.clone());
        tasks.push(tokio::spawn(async move {
            let resp = sender.send_request(request(&fixed)).await.expect("send");
            if resp.status() == 200 {
                let _ = resp.into_body().collect().await;
                ok.fetch_add(1, Relaxed);
            }
        }));
    }
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(120), t).await;
    }
    let total = fired.elapsed();
    let stats = emu.stats();
    println!(
        "held: {} connections opened in {:.2}s; {} of {} requests answered 200 in {:.2}s with {} ms injected latency; max concurrency seen by the emulator: {}",
        a.held,
        connected.as_secs_f64(),
        ok.load(Relaxed),
        a.held,
        total.as_secs_f64(),
        a.latency_ms,
        stats.max_concurrency
    );
    emu.shutdown().await;
    let answered = ok.load(Relaxed) as usize;
    if answered != a.held || stats.violations_total() != 0 {
        return Err(format!(
            "held: {answered} of {} answered 200, {} protocol violations",
            a.held,
            stats.violations_total()
        ));
    }
    Ok(())
}

async fn tokens() -> Result<(), String> {
    let emu = Emulator::start(config(0)).await.expect("start");
    let url = format!("{}login/", emu.base_url());
    let client = reqwest::Client::builder().pool_max_idle_per_host(16).build().expect("client");
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for worker in 0..16u64 {
        let (client, url, stop, done, failed) =
            (client.clone(), url.clone(), stop.clone(), done.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Relaxed) {
                n += 1;
                let resp = client
                    .post(format!("{url}tenant-{worker}-{n}.onmicrosoft.com/oauth2/v2.0/token"))
                    .form(&[
                        ("grant_type", "client_credentials"),
                        ("client_id", APP_CLIENT_ID),
                        ("client_secret", APP_CLIENT_SECRET),
                        ("scope", "https://ps.compliance.protection.outlook.com/.default"),
                    ])
                    .send()
                    .await
                    .expect("token request");
                if resp.status() == 200 && resp.bytes().await.is_ok() {
                    done.fetch_add(1, Relaxed);
                } else {
                    failed.fetch_add(1, Relaxed);
                }
            }
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Relaxed);
    for t in tasks {
        if t.await.is_err() {
            failed.fetch_add(1, Relaxed);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "tokens: {:.0} client-credentials grants/s ({} tokens for distinct tenants, 16 concurrent clients)",
        done.load(Relaxed) as f64 / elapsed,
        emu.stats().tokens_issued
    );
    emu.shutdown().await;
    match failed.load(Relaxed) {
        0 => Ok(()),
        f => Err(format!("tokens: {f} grants not answered 200")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let a = args();
    let results = [throughput(&a).await, held(&a).await, tokens().await];
    let mut code = ExitCode::SUCCESS;
    for e in results.iter().filter_map(|r| r.as_ref().err()) {
        eprintln!("bench_emulator: FAILED: {e}");
        code = ExitCode::FAILURE;
    }
    code
}
