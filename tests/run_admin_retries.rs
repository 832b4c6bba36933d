//! How `tenantrun run` answers the admin API's `401` and `429` (SPEC §4), through the real
//! binary against the emulator on a loopback port, read from the emulator's side: its
//! token counters and its timestamped log of calls (`record_calls`).
//!
//! - `401`: the token is renewed and the request retried once; a renewed token refused
//!   too fails the step with a message saying so.
//! - `429` and `503` with `Retry-After`: the next call of that tenant comes no sooner than
//!   the header says (measured between the emulator's answer and the client's next request).

use crate::run_support;

use run_support::*;
use serde_json::{json, Value};
use tenantrun::emulator::{CallRecord, EmulatorConfig, Stats, TenantConfig};

/// Two Exchange steps: no region lookup, so every admin API call is a step's.
const TWO_STEPS: &str = "  mail:
    - cmdlet: Get-AcceptedDomain
      service: exchange
    - cmdlet: Get-Mailbox
      service: exchange
";
const ONE_STEP: &str = "  mail:
    - cmdlet: Get-AcceptedDomain
      service: exchange
";
const EXCHANGE: &str = "https://outlook.office365.com";

fn lab(tenant: TenantConfig, config: EmulatorConfig) -> Lab {
    Lab::start(EmulatorConfig { tenants: vec![tenant], record_calls: true, ..config })
}

/// (cmdlet, status) of each admin API call of `tenant`, in arrival order.
fn calls(stats: &Stats, tenant: &str) -> Vec<(String, u16)> {
    stats.calls_of(tenant).iter().map(|c| (c.cmdlet.clone().unwrap_or_default(), c.status)).collect()
}

fn call(cmdlet: &str, status: u16) -> (String, u16) {
    (cmdlet.to_string(), status)
}

/// The run's journal lines as (cmdlet, status, attempts).
fn steps(run: &std::path::Path) -> Vec<(String, String, u64)> {
    results(run)
        .iter()
        .map(|r| {
            (
                r["cmdlet"].as_str().unwrap_or_default().to_string(),
                r["status"].as_str().unwrap_or_default().to_string(),
                r["attempts"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn step(cmdlet: &str, status: &str, attempts: u64) -> (String, String, u64) {
    (cmdlet.to_string(), status.to_string(), attempts)
}

fn run(lab: &Lab, tenant: &str, commands: &str, retries: u32) -> (std::process::Output, std::path::PathBuf) {
    let profile = lab.profile(&[tenant.to_string()], commands, &format!("  retries: {retries}\n"));
    let out = lab.run(&["run", &profile.to_string_lossy(), "-o", "runs", "--progress", "none", "-v"]);
    let dir = run_dir(lab, &out);
    (out, dir)
}

/// A run of `commands` for `tenant`, whose first `expired` tokens the emulator refuses.
fn run_with_expired_tokens(
    tenant: &str,
    expired: u64,
    commands: &str,
) -> (Lab, std::process::Output, std::path::PathBuf) {
    let config = TenantConfig { id: tenant.into(), expired_tokens: expired, ..TenantConfig::default() };
    let lab = lab(config, EmulatorConfig::default());
    let (out, run) = run(&lab, tenant, commands, 3);
    (lab, out, run)
}

fn totals(run: &std::path::Path) -> Value {
    summary(run)["totals"].clone()
}

#[test]
fn a_401_renews_the_token_once_and_the_retried_request_succeeds() {
    let t = "renewed.onmicrosoft.com";
    let (lab, out, run) = run_with_expired_tokens(t, 1, TWO_STEPS);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let stats = lab.stats();
    // The first token is refused, the one renewal is accepted and then reused by the next step.
    assert_eq!(
        calls(&stats, t),
        [call("Get-AcceptedDomain", 401), call("Get-AcceptedDomain", 200), call("Get-Mailbox", 200)]
    );
    assert_eq!((stats.tokens_issued, stats.tokens_for(t, EXCHANGE)), (2, 2), "{:?}", stats.tokens);
    assert_eq!(stats.unauthorized, 1);
    lab.assert_no_violations();
    assert_eq!(steps(&run), [step("Get-AcceptedDomain", "ok", 2), step("Get-Mailbox", "ok", 1)]);
    let sum = totals(&run);
    assert_eq!(
        (&sum["requests"], &sum["retries"], &sum["token_renewals"], &sum["tokens_requested"]),
        (&json!(3), &json!(1), &json!(1), &json!(2)),
        "{sum}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("retrying: token rejected (401), renewing it").count(), 1, "{stderr}");
}

#[test]
fn a_renewed_token_refused_too_fails_the_step_with_the_give_up_message() {
    let t = "refused.onmicrosoft.com";
    let (lab, out, run) = run_with_expired_tokens(t, 2, ONE_STEP);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));

    let stats = lab.stats();
    // One renewal, one retry, then no more: two tokens, two 401s.
    assert_eq!(calls(&stats, t), [call("Get-AcceptedDomain", 401), call("Get-AcceptedDomain", 401)]);
    assert_eq!((stats.tokens_issued, stats.unauthorized), (2, 2), "{:?}", stats.tokens);
    lab.assert_no_violations();
    assert_eq!(steps(&run), [step("Get-AcceptedDomain", "failed", 2)]);
    let line = &results(&run)[0];
    assert_eq!(
        (&line["error"]["kind"], &line["error"]["status"], &line["error"]["message"]),
        (
            &json!("auth"),
            &json!(401),
            &json!(format!(
                "the service rejected a fresh token for tenant {t} (401): The access token has expired. \
                 (hint: check the identity's consent and roles in this tenant)"
            ))
        ),
        "{line}"
    );
    let sum = totals(&run);
    assert_eq!((&sum["token_renewals"], &sum["retries"]), (&json!(1), &json!(1)), "{sum}");
}

#[test]
fn retry_after_is_waited_out_before_the_next_call() {
    // Every 2nd call of the tenant is a 429 with Retry-After: 3 (longer than the client's
    // 2 s default for a 429 without the header, so ignoring the header shows).
    let t = "throttled.onmicrosoft.com";
    let retry_after = 3u64;
    let lab = lab(
        TenantConfig { id: t.into(), ..TenantConfig::default() },
        EmulatorConfig { throttle_every: 2, retry_after_secs: retry_after, ..EmulatorConfig::default() },
    );
    let (out, run) = run(&lab, t, TWO_STEPS, 3);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let stats = lab.stats();
    assert_eq!(
        calls(&stats, t),
        [call("Get-AcceptedDomain", 200), call("Get-Mailbox", 429), call("Get-Mailbox", 200)]
    );
    let log: Vec<&CallRecord> = stats.calls_of(t);
    let waited_us = log[2].received_us - log[1].answered_us;
    assert!(waited_us >= retry_after * 1_000_000, "the retry came {waited_us} µs after the 429");
    assert_eq!(stats.throttled, 1);
    lab.assert_no_violations();
    assert_eq!(steps(&run), [step("Get-AcceptedDomain", "ok", 1), step("Get-Mailbox", "ok", 2)]);
    let sum = totals(&run);
    assert_eq!((&sum["throttled"], &sum["retries"]), (&json!(1), &json!(1)), "{sum}");
}

#[test]
fn retry_after_on_a_503_is_waited_out_and_the_step_fails_when_retries_run_out() {
    // Every call is a 503 with Retry-After: 3; one retry allowed.
    let t = "unavailable.onmicrosoft.com";
    let retry_after = 3u64;
    let lab = lab(
        TenantConfig { id: t.into(), ..TenantConfig::default() },
        EmulatorConfig {
            server_error_rate: 1.0,
            server_error_statuses: vec![503],
            retry_after_secs: retry_after,
            ..EmulatorConfig::default()
        },
    );
    let (out, run) = run(&lab, t, ONE_STEP, 1);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));

    let stats = lab.stats();
    assert_eq!(calls(&stats, t), [call("Get-AcceptedDomain", 503), call("Get-AcceptedDomain", 503)]);
    let log = stats.calls_of(t);
    let waited_us = log[1].received_us - log[0].answered_us;
    assert!(waited_us >= retry_after * 1_000_000, "the retry came {waited_us} µs after the 503");
    assert_eq!(stats.server_errors, 2);
    lab.assert_no_violations();
    assert_eq!(steps(&run), [step("Get-AcceptedDomain", "failed", 2)]);
    let line = &results(&run)[0];
    assert_eq!(
        (&line["error"]["kind"], &line["error"]["status"]),
        (&json!("throttled"), &json!(503)),
        "{line}"
    );
}
