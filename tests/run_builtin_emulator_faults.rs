//! `run --emulator-*` through the real binary: the built-in, in-process emulator takes
//! the fault flags, so a user sees throttling, retries and latency without a second process.

use std::path::{Path, PathBuf};
use std::process::Output;

fn run(dir: &Path, extra: &[&str]) -> Output {
    let profile = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.yaml");
    let mut args = vec!["run".to_string(), profile.to_string_lossy().into_owned()];
    args.extend(["-c", "labels", "--progress", "none", "-o", "runs"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    std::process::Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(dir)
        .env_remove("TENANTRUN_LOG")
        .args(&args)
        .output()
        .expect("run")
}

fn totals(dir: &Path) -> serde_json::Value {
    let runs: Vec<PathBuf> =
        std::fs::read_dir(dir.join("runs")).expect("runs").flatten().map(|e| e.path()).collect();
    assert_eq!(runs.len(), 1);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(runs[0].join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(s["counts"]["ok"], 20, "{s}");
    s["totals"].clone()
}

#[test]
fn throttle_every_makes_the_in_process_emulator_answer_429_and_the_run_retries() {
    let calm = tempfile::tempdir().expect("dir");
    let out = run(calm.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let t = totals(calm.path());
    assert_eq!((t["throttled"].as_u64(), t["retries"].as_u64()), (Some(0), Some(0)), "{t}");

    // Every 3rd admin API call of a tenant is a 429: 1 per tenant over its 3 calls
    // (region lookup, Get-Label, Get-LabelPolicy), each retried once after Retry-After.
    let busy = tempfile::tempdir().expect("dir");
    let out = run(busy.path(), &["--emulator-throttle-every", "3", "--emulator-latency-ms", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let t = totals(busy.path());
    assert_eq!(t["throttled"], 10, "{t}");
    assert_eq!(t["retries"], 10, "{t}");
    assert_eq!(t["requests"], 40, "{t}");
    // That each retry waits out Retry-After is shown from the emulator's call log, not
    // from wall time, in tests/run_admin_retries.rs.
}

#[test]
fn a_bad_emulator_error_rate_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("dir");
    let out = run(dir.path(), &["--emulator-error-rate", "1.5"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --emulator-error-rate must be between 0 and 1, got 1.5\n"
    );
}
