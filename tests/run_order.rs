//! The order tenants start in, read from the emulator's call log at `-j 1 --connect-ahead 0`
//! (one tenant at a time; with tenants connecting ahead, the first signed in takes a free
//! slot first, so only the order they start connecting in is fixed): a fresh run
//! keeps the profile's order when every tenant has the same steps (ties are stable), and
//! `--resume` starts the tenants whose steps took longest in the earlier run first.
#![allow(clippy::unwrap_used)]

use crate::run_support;

use run_support::*;
use tenantrun::emulator::{EmulatorConfig, Stats, TenantConfig};

/// Two Exchange steps (no region discovery, so each tenant's first admin call is a step).
const LISTS: &str = "  mail:
    - cmdlet: Get-Mailbox
      service: exchange
    - cmdlet: Get-AcceptedDomain
      service: exchange
";

/// Tenants in the order their first `InvokeCommand` arrived, among `calls[from..]`.
fn start_order(stats: &Stats, from: usize) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for call in &stats.calls[from..] {
        if call.op == "InvokeCommand" && !order.contains(&call.tenant) {
            order.push(call.tenant.clone());
        }
    }
    order
}

#[test]
fn resume_starts_the_tenants_that_took_longest_first() {
    // Profile order: not sorted by id, so neither run can pass by sorting ids.
    let ids: Vec<String> = ["d-fast", "b-slowish", "a-slowest", "c-slow"]
        .iter()
        .map(|p| format!("{p}.onmicrosoft.com"))
        .collect();
    // Every call of the last three fails (5xx, no retries), after a latency of its own:
    // their steps stay to be re-run, each having taken about its tenant's latency.
    let failing = |id: &str, latency_ms: u64| TenantConfig {
        id: id.into(),
        latency_ms: Some(latency_ms),
        server_error_rate: Some(1.0),
        ..TenantConfig::default()
    };
    let lab = Lab::start(EmulatorConfig {
        tenants: vec![failing(&ids[1], 40), failing(&ids[2], 300), failing(&ids[3], 150)],
        server_error_statuses: vec![500],
        record_calls: true,
        ..EmulatorConfig::default()
    });
    let profile = lab.profile(&ids, LISTS, "  retries: 0\n");
    let p = profile.to_str().unwrap();
    let out = lab.run(&["run", p, "-j", "1", "--connect-ahead", "0", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run = run_dir(&lab, &out);
    // Same step count everywhere: the profile's order.
    assert_eq!(start_order(&lab.stats(), 0), ids);
    let first_run_calls = lab.stats().calls.len();
    let durations: Vec<u64> = ids[1..]
        .iter()
        .map(|id| {
            results(&run)
                .iter()
                .filter(|r| r["tenant"] == **id)
                .map(|r| r["duration_ms"].as_u64().unwrap())
                .sum()
        })
        .collect();
    assert!(durations[1] > durations[2] && durations[2] > durations[0], "recorded durations {durations:?}");

    let out = lab.run(&[
        "run",
        p,
        "--resume",
        run.to_str().unwrap(),
        "-j",
        "1",
        "--connect-ahead",
        "0",
        "--progress",
        "none",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // The finished tenant is not run again; the others start longest first.
    assert_eq!(start_order(&lab.stats(), first_run_calls), [ids[2].clone(), ids[3].clone(), ids[1].clone()]);
    lab.assert_no_violations();
}
