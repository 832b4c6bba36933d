//! The emulator as a server and a command: TLS with a generated certificate, the
//! `--write-fixture` output, scenario files, `/_stats` as JSON, and the CLI itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::emulator_support;

use emulator_support::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use tenantrun::emulator::{Emulator, EmulatorConfig, Stats};

#[tokio::test]
async fn tls_serves_https_with_a_certificate_written_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("emulator.pem");
    let config = EmulatorConfig { tls: true, tls_cert_file: Some(cert.clone()), ..EmulatorConfig::default() };
    let handle = Emulator::start(config).await.unwrap();
    let base = handle.base_url();
    assert_eq!(base.scheme(), "https");
    assert_eq!(handle.cert_file(), Some(cert.as_path()));

    let pem = std::fs::read(&cert).unwrap();
    let trusting = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let r = trusting.get(format!("{base}_stats")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let token = trusting
        .post(format!("{base}login/contoso.onmicrosoft.com/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", tenantrun::emulator::APP_CLIENT_ID),
            ("client_secret", tenantrun::emulator::APP_CLIENT_SECRET),
            ("scope", "https://outlook.office365.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);

    let strict = reqwest::Client::builder().use_rustls_tls().build().unwrap();
    let err = strict.get(format!("{base}_stats")).send().await.expect_err("unknown certificate refused");
    // Refused by the TLS handshake because no trusted root issued the certificate, not by
    // any other failure.
    assert!(err.is_connect(), "{err:?}");
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&err);
    while let Some(e) = source {
        causes.push(e.to_string());
        source = e.source();
    }
    assert!(causes.iter().any(|c| c == "invalid peer certificate: UnknownIssuer"), "{causes:?}");
    handle.shutdown().await;
}

#[tokio::test]
async fn the_fixture_is_a_working_offline_setup() {
    let dir = tempfile::tempdir().unwrap();
    let files = tenantrun::emulator::fixture::write(dir.path()).unwrap();
    assert!(files.len() >= 8);
    let pfx = std::fs::read(dir.path().join("certs/emulator-app.pfx")).unwrap();
    let password = std::fs::read_to_string(dir.path().join("secrets/pfx-password.txt")).unwrap();
    let store =
        p12_keystore::KeyStore::from_pkcs12(&pfx, &password, p12_keystore::Pkcs12ImportPolicy::Relaxed)
            .unwrap();
    let (_, chain) = store.private_key_chain().unwrap();
    assert_eq!(chain.certs().len(), 1);
    // A wrong password fails the MAC check (the file is protected, not merely unreadable).
    let wrong = p12_keystore::KeyStore::from_pkcs12(&pfx, "wrong", p12_keystore::Pkcs12ImportPolicy::Relaxed)
        .expect_err("a wrong password is refused");
    assert!(matches!(wrong, p12_keystore::error::Error::MacError(_)), "{wrong:?}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode =
            std::fs::metadata(dir.path().join("secrets/client-secret.txt")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "secret files are private");
    }

    let config = EmulatorConfig::from_scenario_file(&dir.path().join("registry.json")).unwrap();
    assert_eq!(config.certificates.len(), 1);
    assert_eq!(config.tenants.len(), 3);
    let emu = start(config).await;
    // The scenario's region and sizes apply.
    let token = emu.app_token("contoso.onmicrosoft.com", COMPLIANCE).await;
    let banner = emu
        .http
        .get(emu.url(
            "compliance/adminapi/beta/contoso.onmicrosoft.com/EXOBanner('AutogenSession')?Version=3.7.1",
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(banner.status(), 302);
    let profile = std::fs::read_to_string(dir.path().join("tenantrun.yaml")).unwrap();
    assert!(profile.contains("environment: emulator"));
    assert!(profile.contains("certs/emulator-app.pfx"));
}

#[tokio::test]
async fn toml_scenarios_configure_tenants_and_faults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.toml");
    std::fs::write(
        &path,
        r#"
seed = 42
throttle_every = 2
unknown_tenants = ["ghost.onmicrosoft.com"]

[[tenants]]
id = "big.onmicrosoft.com"
region = "none"
sizes = { "Get-Label" = 3 }
throttle_every = 0
"#,
    )
    .unwrap();
    let config = EmulatorConfig::from_scenario_file(&path).unwrap();
    assert_eq!((config.seed, config.throttle_every), (42, 2));
    let emu = start(config).await;
    let token = emu.app_token("big.onmicrosoft.com", COMPLIANCE).await;
    for _ in 0..3 {
        let a = emu
            .invoke("compliance/", "big.onmicrosoft.com", &token, "Get-Label", serde_json::json!({}))
            .await;
        assert_eq!(a.status, 200, "per-tenant override disables throttling");
        assert_eq!(a.body["value"].as_array().unwrap().len(), 3);
    }
    std::fs::write(&path, "tenants = [{ id = 'x', bogus = 1 }]").unwrap();
    let err = EmulatorConfig::from_scenario_file(&path).unwrap_err().to_string();
    assert!(err.contains("bogus"), "{err}");
}

#[tokio::test]
async fn stats_endpoint_matches_the_handle() {
    let emu = start_default().await;
    emu.app_token("contoso.onmicrosoft.com", EXCHANGE).await;
    let via_http: Stats = serde_json::from_value(emu.get_stats().await).unwrap();
    let direct = emu.handle.stats();
    assert_eq!(via_http.tokens, direct.tokens);
    assert_eq!(via_http.tokens_issued, 1);
    let missing = emu.http.get(emu.url("nowhere")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[test]
fn help_documents_every_flag_and_endpoint() {
    let out = Command::new(env!("CARGO_BIN_EXE_tenantrun")).args(["emulator", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let mut cmd = tenantrun::cli::command();
    cmd.build();
    let emulator = cmd.find_subcommand("emulator").expect("an emulator subcommand");
    let flags: Vec<String> =
        emulator.get_arguments().filter_map(|a| a.get_long()).map(|l| format!("--{l}")).collect();
    assert!(flags.len() >= 25 && flags.contains(&"--record-calls".to_string()), "{flags:?}");
    let words: Vec<&str> = help
        .split([' ', ',', '\n'])
        .map(|w| w.trim_end_matches("..."))
        .filter(|w| w.starts_with("--"))
        .collect();
    for flag in &flags {
        assert!(words.contains(&flag.as_str()), "--help lacks {flag}:\n{help}");
    }
    for credential in ["00000000-0000-4000-8000-00000000e001", "emulator-secret", "emulator-password"] {
        assert!(help.contains(credential), "--help lacks {credential}:\n{help}");
    }
    // Every path of docs/emulator.md's endpoint table, as `--help` writes it (`/path`).
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/emulator.md")).unwrap();
    let paths = documented_endpoints(&docs);
    assert!(paths.len() >= 18 && paths.contains(&"common/userrealm/{upn}".to_string()), "{paths:?}");
    for path in &paths {
        assert!(help.contains(&format!("/{path}")), "--help lacks the endpoint {path}:\n{help}");
    }
}

/// The requests (`GET …`, `POST …`) in the first column of the endpoint table
/// (`| path | what |`), as paths: no method, query string or body sketch.
fn documented_endpoints(docs: &str) -> Vec<String> {
    let table = docs.split("| path | what |").nth(1).expect("the endpoint table");
    let mut out = Vec::new();
    for row in table.lines().skip(2).take_while(|l| l.starts_with('|')) {
        let first = row.split(" | ").next().unwrap_or_default();
        for (i, span) in first.split('`').enumerate() {
            let request = span.strip_prefix("GET ").or_else(|| span.strip_prefix("POST "));
            if let (1, Some(request)) = (i % 2, request) {
                out.push(request.split(['?', ' ']).next().unwrap_or_default().to_string());
            }
        }
    }
    out
}

#[test]
fn the_command_serves_until_interrupted_and_writes_fixtures() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .args(["emulator", "--addr", "127.0.0.1:0", "--throttle-every", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().to_string();
    assert!(base.starts_with("http://127.0.0.1:") && base.ends_with('/'), "{base}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async { reqwest::get(format!("{base}_stats")).await.unwrap().status() });
    assert_eq!(status, 200);
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");

    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .args(["emulator", "--write-fixture"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("registry.json").exists());
    let bad = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .args(["emulator", "--error-rate", "2"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
