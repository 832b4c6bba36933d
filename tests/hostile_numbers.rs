//! Issue #9 item 5 (SPEC §9): no number a server sends can panic a worker — `Retry-After`
//! of `1e300` or twenty digits, a token `expires_in` or a JWT `exp` of u64::MAX — and every
//! tenant gets its journal line and its place in the summary.
#![allow(clippy::unwrap_used)]

use crate::hostile;

use base64::Engine as _;
use hostile::{exchange_step, run, run_with, Hostile, Mode, ProfileSpec, SignIn};

const TENANTS: [&str; 2] = ["contoso.example", "fabrikam.example"];

/// Every tenant has its line and is counted in the summary; no panic reached stderr.
fn assert_no_tenant_lost(ran: &hostile::Ran, status: &str) {
    for t in TENANTS {
        assert_eq!(ran.line(t, "exo")["status"], status, "{t}: {}", ran.show());
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ran.run_dir.join("summary.json")).unwrap()).unwrap();
    let text = summary.to_string();
    for t in TENANTS {
        assert!(text.contains(t), "{t} missing from summary.json: {summary:#}");
    }
    assert!(!ran.stderr.contains("panicked"), "{}", ran.show());
}

fn run_two(mode: Mode, sign_in: SignIn, env: &[(&str, &str)]) -> (hostile::Ran, tempfile::TempDir) {
    let server = Hostile::start(mode);
    let dir = tempfile::tempdir().unwrap();
    let commands = exchange_step("exo", "Get-Mailbox");
    let spec = ProfileSpec { sign_in, tenants: &TENANTS, ..ProfileSpec::new(&server.base, &commands) };
    (run_with(dir.path(), &spec.write(dir.path()), env), dir)
}

#[test]
fn retry_after_1e300_is_no_panic() {
    let (ran, _dir) = run_two(Mode::RetryAfter("1e300".into()), SignIn::HandedToken, &[]);
    assert_no_tenant_lost(&ran, "failed");
    let line = ran.line(TENANTS[0], "exo");
    assert_eq!(line["error"]["kind"], "throttled");
    assert_eq!(line["error"]["status"], 429);
}

#[test]
fn retry_after_of_twenty_digits_is_no_panic() {
    let (ran, _dir) = run_two(Mode::RetryAfter("99999999999999999999".into()), SignIn::HandedToken, &[]);
    assert_no_tenant_lost(&ran, "failed");
    assert_eq!(ran.line(TENANTS[1], "exo")["error"]["kind"], "throttled");
}

#[test]
fn token_expires_in_u64_max_is_no_panic() {
    let (ran, _dir) = run_two(Mode::ExpiresIn(u64::MAX.to_string()), SignIn::ClientSecret, &[]);
    assert_no_tenant_lost(&ran, "ok");
}

#[test]
fn jwt_exp_u64_max_is_no_panic() {
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = format!(r#"{{"aud":"https://outlook.office365.com","tid":"x","exp":{}}}"#, u64::MAX);
    let jwt = format!("{}.{}.sig", e.encode(r#"{"alg":"RS256"}"#), e.encode(claims));
    let (ran, _dir) = run_two(Mode::Polite, SignIn::HandedToken, &[("HOSTILE_TOKEN", &jwt)]);
    assert_no_tenant_lost(&ran, "ok");
}

#[test]
fn polite_server_runs_ok() {
    let server = Hostile::start(Mode::Polite);
    let dir = tempfile::tempdir().unwrap();
    let commands = exchange_step("exo", "Get-Mailbox");
    let ran = run(dir.path(), &ProfileSpec::new(&server.base, &commands).write(dir.path()));
    assert_eq!(ran.output.status.code(), Some(0), "{}", ran.show());
    assert_eq!(ran.line("contoso.example", "exo")["item_count"], 1);
}
