//! `-j auto` end to end: the real binary against an emulator that throttles with an
//! overall token bucket (`rate_limit`) and a hidden per-tenant concurrency limit. The
//! windows must converge: every step ok, and a bounded share of 429s where a fixed `-j`
//! far above the service's capacity draws most of its answers as 429s. No timing asserts.

use crate::run_support;

use run_support::*;
use tenantrun::emulator::{EmulatorConfig, Stats};

/// 429s as a share of every admin API call.
fn throttled_share(stats: &Stats) -> f64 {
    let calls: u64 = stats.admin_requests_per_tenant.values().sum();
    stats.throttled as f64 / calls.max(1) as f64
}

fn all_ok(lab: &Lab, out: &std::process::Output, steps: usize) {
    assert_eq!(out.status.code(), Some(0), "{}", show(out));
    let run = run_dir(lab, out);
    let eff = effective(&run);
    assert_eq!(eff.len(), steps);
    assert!(eff.values().all(|r| r["status"] == "ok"), "{}", show(out));
    lab.assert_no_violations();
}

#[test]
fn auto_finds_the_overall_rate_limit() {
    // 100 calls/s at 40 ms each: about 4 calls in flight is all the service takes.
    // (Measured: auto draws about 6% 429s, -j 64 about 70%.)
    let config = EmulatorConfig {
        rate_limit: 100.0,
        latency_ms: 40,
        retry_after_secs: 1,
        ..EmulatorConfig::default()
    };
    let lab = Lab::start(config);
    let commands = "  a:\n    - Get-Label\n    - Get-LabelPolicy\n    - Get-RetentionCompliancePolicy\n";
    let profile =
        lab.profile(&tenants(100, "ra"), commands, "  concurrency: auto\n  timeout: 20s\n  retries: 30\n");
    let p = profile.to_str().unwrap();

    let out = lab.run(&["run", p, "-o", "auto", "--progress", "none"]);
    all_ok(&lab, &out, 300);
    let auto = lab.stats();
    assert_eq!(auto.rate_limited, auto.throttled, "only the bucket throttles here");
    let auto_share = throttled_share(&auto);

    lab.emulator.as_ref().unwrap().reset_stats();
    let out = lab.run(&["run", p, "-o", "fixed", "--progress", "none", "-j", "64"]);
    all_ok(&lab, &out, 300);
    let fixed = lab.stats();
    let fixed_share = throttled_share(&fixed);
    // The README quotes these shares (`cargo test --test integration run_adaptive -- --nocapture`).
    eprintln!("429 share: -j auto {:.1}%, -j 64 {:.1}%", auto_share * 100.0, fixed_share * 100.0);
    assert!(auto_share < 0.15, "auto: {} 429s, share {auto_share:.3}", auto.throttled);
    assert!(fixed_share > 0.4, "-j 64: share {fixed_share:.3}");
}

/// Three command lists per tenant in flight (`--per-tenant 3`) against a limit of 2:
/// each tenant's window settles at 2 (measured: about 5% 429s).
#[test]
fn auto_finds_each_tenants_concurrency_limit() {
    let config = EmulatorConfig {
        tenant_concurrency_limit: 2,
        latency_ms: 20,
        retry_after_secs: 1,
        ..EmulatorConfig::default()
    };
    let lab = Lab::start(config);
    let list = |name: &str| format!("  {name}:\n{}", "    - Get-Label\n".repeat(8));
    let commands = format!("{}{}{}", list("a"), list("b"), list("c"));
    let profile = lab.profile(&tenants(3, "pt"), &commands, "  timeout: 20s\n  retries: 30\n");
    let p = profile.to_str().unwrap();

    let out = lab.run(&["run", p, "-o", "auto", "--progress", "none", "-j", "auto", "--per-tenant", "3"]);
    all_ok(&lab, &out, 72);
    let auto = lab.stats();
    assert_eq!(auto.rate_limited, 0);
    let auto_share = throttled_share(&auto);
    assert!(auto.throttled > 0, "the tenants' windows probed above the limit of 2");
    assert!(auto_share < 0.2, "auto: {} 429s, share {auto_share:.3}", auto.throttled);
}
