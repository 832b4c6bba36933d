//! `tenantrun run` end to end over real loopback sockets: the real binary against the
//! emulator started in-process on port 0, through a declared environment.

use crate::run_support;

use run_support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use tenantrun::emulator::{EmulatorConfig, TenantConfig};

const THREE_LISTS: &str = "  labels:
    - Get-Label
    - cmdlet: Get-LabelPolicy
      select: [Name, Labels, Enabled]
  retention:
    - cmdlet: Get-RetentionCompliancePolicy
      parameters: { DistributionDetail: true }
  mail:
    - cmdlet: Get-Mailbox
      service: exchange
      parameters: { ResultSize: Unlimited }
    - cmdlet: Get-AcceptedDomain
      service: exchange
";

const FAST: &str = "  concurrency: 16\n  timeout: 20s\n  retries: 8\n";

fn ok_lines(run: &std::path::Path) -> Vec<Value> {
    results(run).into_iter().filter(|r| r["status"] == "ok").collect()
}

#[test]
fn fifty_tenants_three_lists() {
    let lab = Lab::start(EmulatorConfig::default());
    let ids = tenants(50, "t");
    let profile = lab.profile(&ids, THREE_LISTS, FAST);
    let out = lab.run(&[
        "run",
        profile.to_str().unwrap(),
        "-o",
        "runs",
        "--progress",
        "plain",
        "--format",
        "csv,json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = run_dir(&lab, &out);
    let lines = results(&run);
    assert_eq!(lines.len(), 50 * 5, "one line per (tenant, step)");
    let keys: BTreeSet<_> = lines.iter().map(key).collect();
    assert_eq!(keys.len(), 250, "no duplicates");
    for r in &lines {
        assert_eq!(r["status"], "ok", "{r}");
        let fields: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "tenant",
                "tenant_name",
                "command",
                "step",
                "cmdlet",
                "service",
                "status",
                "attempts",
                "duration_ms",
                "item_count",
                "items",
                "warnings",
                "error"
            ]
        );
        let items = items(&run, r);
        assert_eq!(items.len() as u64, r["item_count"].as_u64().unwrap(), "{r}");
        items.iter().for_each(assert_no_annotations);
        assert_eq!(r["error"], Value::Null);
    }
    // Steps of a list ran in order: the exchange list's step 1 follows step 0 in the journal.
    for t in &ids {
        let pos =
            |c: &str, s: u64| lines.iter().position(|r| key(r) == (t.clone(), c.to_string(), s)).unwrap();
        assert!(pos("mail", 0) < pos("mail", 1));
        assert!(pos("labels", 0) < pos("labels", 1));
    }
    // $select honoured on Get-LabelPolicy.
    let policy = lines
        .iter()
        .find(|r| r["cmdlet"] == "Get-LabelPolicy" && r["item_count"].as_u64() > Some(0))
        .unwrap();
    let allowed: BTreeSet<String> = ["Name", "Labels", "Enabled"].iter().map(|s| s.to_string()).collect();
    assert!(keys_of(&items(&run, policy)).is_subset(&allowed), "{:?}", keys_of(&items(&run, policy)));

    let s = summary(&run);
    assert_eq!(s["counts"], serde_json::json!({"ok": 250, "failed": 0, "skipped": 0, "not_run": 0}));
    assert_eq!(s["tenants"].as_object().unwrap().len(), 50);
    assert!(s["finished_at"].is_string());
    assert!(s["totals"]["requests"].as_u64().unwrap() >= 250);
    // CSV: tenant column first, one file per (command, step).
    let csv = std::fs::read_to_string(run.join("csv/mail.0.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}tenant,"), "{}", &csv[..80.min(csv.len())]);
    let mailboxes: u64 = lines
        .iter()
        .filter(|r| r["cmdlet"] == "Get-Mailbox")
        .map(|r| r["item_count"].as_u64().unwrap())
        .sum();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("json/mail.0.json")).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len() as u64, mailboxes);
    // Stdout: the summary table only.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("Run "), "{stdout}");
    assert!(stdout.contains("  ok            250\n"), "{stdout}");
    // Progress: one plain line per tenant on stderr.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().filter(|l| l.starts_with('[')).count(), 50, "{stderr}");
    let stats = lab.stats();
    assert!(stats.region_redirects > 0, "some synthetic tenants live in a region");
    // Exactly one token per (tenant, resource): 50 tenants x {compliance, exchange}.
    assert_eq!(stats.tokens.len(), 100, "{:?}", stats.tokens);
    for t in &stats.tokens {
        assert_eq!((t.grant.as_str(), t.count), ("client_credentials", 1), "{t:?}");
    }
    assert_eq!(stats.tokens_issued, 100);
    lab.assert_no_violations();
}

#[test]
fn paging_past_2500_objects_streams_every_page() {
    let id = "big.onmicrosoft.com".to_string();
    let mut config = EmulatorConfig::default();
    config.tenants.push(TenantConfig {
        id: id.clone(),
        sizes: [("Get-Mailbox".to_string(), 2600usize)].into(),
        ..Default::default()
    });
    let lab = Lab::start(config);
    let commands = "  mail:
    - cmdlet: Get-Mailbox
      service: exchange
      parameters: { ResultSize: Unlimited }
    - cmdlet: Get-Mailbox
      service: exchange
      parameters: { ResultSize: Unlimited }
      select: [Name, PrimarySmtpAddress]
";
    let profile = lab.profile(std::slice::from_ref(&id), commands, FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    let lines = results(&run);
    assert_eq!(lines.len(), 2);
    for r in &lines {
        assert_eq!(r["item_count"], 2600, "{r}");
        assert_eq!(r["attempts"], 3, "three pages of at most 1000: {r}");
        let items = items(&run, r);
        assert_eq!(items.len(), 2600);
        let names: BTreeSet<&str> = items.iter().map(|i| i["Name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 2600, "no object twice, none missing");
    }
    let selected = items(&run, &lines[1]);
    let allowed: BTreeSet<String> = ["Name", "PrimarySmtpAddress"].iter().map(|s| s.to_string()).collect();
    assert_eq!(keys_of(&selected), allowed);
    let full = items(&run, &lines[0]);
    assert!(keys_of(&full).len() > 2);
    // Server order kept: the selected run returns the same names in the same order.
    let order = |v: &[Value]| v.iter().map(|i| i["Name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(order(&full), order(&selected));
    assert_eq!(lab.stats().pages_served, 6);
    lab.assert_no_violations();
}

#[test]
fn throttling_storm_server_errors_and_dropped_connections_are_retried() {
    let config = EmulatorConfig {
        throttle_every: 3,
        retry_after_secs: 1,
        server_error_rate: 0.15,
        server_error_statuses: vec![500, 502, 503, 504],
        drop_rate: 0.1,
        seed: 7,
        ..EmulatorConfig::default()
    };
    let lab = Lab::start(config);
    let ids = tenants(12, "storm");
    let profile = lab.profile(&ids, THREE_LISTS, "  concurrency: 12\n  timeout: 20s\n  retries: 12\n");
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none", "-v"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    assert_eq!(ok_lines(&run).len(), 12 * 5);
    let stats = lab.stats();
    assert!(stats.throttled > 0 && stats.server_errors > 0 && stats.dropped > 0, "{stats:?}");
    let s = summary(&run);
    assert!(s["totals"]["retries"].as_u64().unwrap() >= stats.throttled + stats.server_errors, "{s}");
    assert!(s["totals"]["throttled"].as_u64().unwrap() > 0);
    assert!(results(&run).iter().any(|r| r["attempts"].as_u64().unwrap() > 1));
    // -v shows each retry and its reason.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("retrying: throttled (429)"), "{stderr}");
    assert!(
        stderr.contains("retrying: server error") || stderr.contains("retrying: throttled (503)"),
        "{stderr}"
    );
    assert!(stderr.contains("retrying: connection failed"), "{stderr}");
    lab.assert_no_violations();
}

#[test]
fn exhausted_retries_fail_with_the_right_kind_and_the_breaker_cuts_off() {
    let config = EmulatorConfig {
        server_error_rate: 1.0,
        server_error_statuses: vec![502],
        ..EmulatorConfig::default()
    };
    let lab = Lab::start(config);
    let commands = "  many:\n    - Get-Label\n    - Get-LabelPolicy\n    - Get-ProtectionAlert\n    - Get-DlpCompliancePolicy\n    - Get-Label\n";
    let profile =
        lab.profile(&["down.onmicrosoft.com".to_string()], commands, "  retries: 1\n  timeout: 5s\n");
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    let lines = results(&run);
    assert_eq!(lines.len(), 5);
    for r in &lines[..3] {
        assert_eq!(r["error"]["kind"], "http", "{r}");
        assert_eq!(r["error"]["status"], 502, "{r}");
        assert_eq!(r["attempts"], 2, "{r}");
    }
    for r in &lines[3..] {
        assert_eq!(r["attempts"], 0, "circuit open: not sent: {r}");
        assert!(r["error"]["message"].as_str().unwrap().contains("circuit open"), "{r}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Failures (5 steps, 5 causes)\n"), "{stdout}");
    lab.assert_no_violations();
}

#[test]
fn token_lifetime_shorter_than_the_run_renews_transparently() {
    let config = EmulatorConfig { token_lifetime_secs: 2, latency_ms: 400, ..EmulatorConfig::default() };
    let lab = Lab::start(config);
    let id = "short.onmicrosoft.com".to_string();
    let commands = "  slow:\n    - Get-Label\n    - Get-LabelPolicy\n    - Get-ProtectionAlert\n    - Get-Label\n    - Get-LabelPolicy\n    - Get-ProtectionAlert\n";
    let profile = lab.profile(std::slice::from_ref(&id), commands, FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    assert_eq!(ok_lines(&run).len(), 6);
    let stats = lab.stats();
    let tokens = stats.tokens_for(&id, "https://ps.compliance.protection.outlook.com");
    assert!(tokens >= 2, "the token was renewed during the run: {tokens} ({:?})", stats.tokens);
    lab.assert_no_violations();
}

#[test]
fn region_redirect_is_followed_and_cached_per_tenant() {
    let mut config = EmulatorConfig::default();
    config.tenants.push(TenantConfig {
        id: "eu.onmicrosoft.com".into(),
        region: Some("eur02b".into()),
        ..Default::default()
    });
    config.tenants.push(TenantConfig {
        id: "home.onmicrosoft.com".into(),
        region: Some("none".into()),
        ..Default::default()
    });
    let lab = Lab::start(config);
    let ids = vec!["eu.onmicrosoft.com".to_string(), "home.onmicrosoft.com".to_string()];
    let commands = "  labels:\n    - Get-Label\n    - Get-LabelPolicy\n    - Get-ProtectionAlert\n";
    let profile = lab.profile(&ids, commands, FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none", "-vv"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stats = lab.stats();
    assert_eq!(stats.requests_to("exo_banner"), 2, "one discovery per tenant: {stats:?}");
    assert_eq!(stats.region_redirects, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/region/eur02b/"), "{stderr}");
    lab.assert_no_violations();
}

#[test]
fn write_cmdlets_are_refused_under_read_only() {
    let lab = Lab::start(EmulatorConfig::default());
    let commands =
        "  change:\n    - Get-Label\n    - cmdlet: New-ComplianceSearch\n      parameters: { Name: s1 }\n";
    let profile = lab.profile(&["w.onmicrosoft.com".to_string()], commands, FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    let lines = results(&run);
    assert_eq!(lines[0]["status"], "ok");
    assert_eq!(lines[1]["status"], "failed");
    assert_eq!(lines[1]["error"]["kind"], "refused");
    assert_eq!(lines[1]["attempts"], 0);
    assert!(lines[1]["error"]["message"].as_str().unwrap().contains("--allow-write"));
    assert_eq!(lab.stats().requests_to("invoke_command"), 1, "the write was never sent");

    let out =
        lab.run(&["run", profile.to_str().unwrap(), "-o", "runs2", "--progress", "none", "--allow-write"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(lab.stats().requests_to("invoke_command"), 3);
    lab.assert_no_violations();
}

#[test]
fn preflight_skips_cmdlets_the_front_door_does_not_export() {
    let lab = Lab::start(EmulatorConfig::default());
    // Get-Mailbox is an Exchange cmdlet: the compliance front door does not export it.
    let commands = "  mixed:\n    - Get-Label\n    - cmdlet: Get-Mailbox\n      service: compliance\n    - Get-LabelPolicy\n";
    let profile =
        lab.profile(&["p1.onmicrosoft.com".to_string(), "p2.onmicrosoft.com".to_string()], commands, FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none", "--preflight"]);
    assert_eq!(out.status.code(), Some(0), "skipped is not failed: {}", show(&out));
    let run = only_run(&lab.path("runs"));
    let lines = results(&run);
    assert_eq!(lines.len(), 6);
    for r in lines.iter().filter(|r| r["cmdlet"] == "Get-Mailbox") {
        assert_eq!(r["status"], "skipped", "{r}");
        assert_eq!(r["error"]["kind"], "refused", "{r}");
        assert_eq!(r["attempts"], 0);
    }
    assert_eq!(lines.iter().filter(|r| r["status"] == "ok").count(), 4);
    let stats = lab.stats();
    assert_eq!(stats.requests_to("exo_module_file"), 2);
    assert_eq!(stats.requests_to("invoke_command"), 4);
    assert_eq!(summary(&run)["counts"]["skipped"], 2);

    // Without preflight the same step is sent and fails as the service fails it.
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs2", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let lines = results(&only_run(&lab.path("runs2")));
    let failed: Vec<_> = lines.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|r| r["cmdlet"] == "Get-Mailbox"));
    lab.assert_no_violations();
}

#[test]
fn a_tenant_that_cannot_sign_in_fails_its_steps_at_once() {
    let config =
        EmulatorConfig { unknown_tenants: vec!["gone.onmicrosoft.com".into()], ..EmulatorConfig::default() };
    let lab = Lab::start(config);
    let ids = vec!["gone.onmicrosoft.com".to_string(), "fine.onmicrosoft.com".to_string()];
    let commands = "  labels:\n    - Get-Label\n    - Get-LabelPolicy\n    - Get-ProtectionAlert\n";
    let profile = lab.profile(&ids, commands, FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    let eff = effective(&run);
    for s in 0..3 {
        let r = &eff[&("gone.onmicrosoft.com".to_string(), "labels".to_string(), s)];
        assert_eq!(r["status"], "failed");
        assert_eq!(r["error"]["kind"], "auth", "{r}");
        assert!(r["error"]["message"].as_str().unwrap().contains("gone.onmicrosoft.com"), "{r}");
        assert_eq!(eff[&("fine.onmicrosoft.com".to_string(), "labels".to_string(), s)]["status"], "ok");
    }
    let stats = lab.stats();
    assert_eq!(stats.admin_requests_per_tenant.get("gone.onmicrosoft.com"), None, "{stats:?}");
    let token_errors: u64 = stats.token_errors.values().sum();
    assert_eq!(token_errors, 1, "the token endpoint is not hammered: {stats:?}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(CLIENT_SECRET));
    assert!(!std::fs::read_to_string(run.join("results.jsonl")).unwrap().contains(CLIENT_SECRET));
    lab.assert_no_violations();
}

#[test]
fn fail_fast_stops_starting_new_steps() {
    let lab = Lab::start(EmulatorConfig { latency_ms: 100, ..EmulatorConfig::default() });
    let commands = "  bad:\n    - Get-Nonexistent\n    - Get-Label\n    - Get-Label\n";
    let profile = lab.profile(&tenants(10, "ff"), commands, "  concurrency: 2\n");
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none", "--fail-fast"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    let n = results(&run).len();
    assert!(n < 30, "fail-fast left work undone: {n} lines");
    let s = summary(&run);
    assert!(s["counts"]["not_run"].as_u64().unwrap() > 0, "{s}");
    assert!(s["counts"]["failed"].as_u64().unwrap() >= 1);
    lab.assert_no_violations();
}

#[test]
fn bad_usage_exits_2_before_contacting_anything() {
    let lab = Lab::start(EmulatorConfig::default());
    let profile = lab.profile(&tenants(2, "u"), "  labels:\n    - Get-Label\n", "");
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "-c", "nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--shard", "3/2"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(lab.stats().requests_to("token"), 0);
}

#[test]
fn hashtable_parameters_are_typed_and_writes_run_with_allow_write() {
    let lab = Lab::start(EmulatorConfig::default());
    let commands = "  org:
    - cmdlet: Set-OrganizationConfig
      service: exchange
      parameters: { EwsAllowList: { Add: [app1, app2] } }
    - cmdlet: Set-OrganizationConfig
      service: exchange
      parameters: { EwsAllowList: { Remove: [app1] } }
    - cmdlet: Get-OrganizationConfig
      service: exchange
      select: [EwsAllowList]
";
    let profile = lab.profile(&["org.onmicrosoft.com".to_string()], commands, FAST);
    let out =
        lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none", "--allow-write"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    let lines = results(&run);
    assert!(lines.iter().all(|r| r["status"] == "ok"), "{lines:?}");
    assert_eq!(items(&run, &lines[2]), vec![serde_json::json!({"EwsAllowList": ["app2"]})]);
    lab.assert_no_violations();
}

#[test]
fn anchors_follow_the_identity_the_override_and_bypass() {
    let lab = Lab::start(EmulatorConfig::default());
    let handle = lab.emulator.as_ref().unwrap();
    let rt =
        handle.mint_refresh_token("admin@partner.example", "fb78d390-0c51-40cd-8e17-fdbfab77341b").unwrap();
    let rt_path = lab.path("partner.rt");
    std::fs::write(&rt_path, rt).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&rt_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let b = &lab.base;
    let text = format!(
        "version: 1
environments:
  lab: {{ authority: {b}/login, exchange: {b}/exchange, compliance: {b}/compliance, compliance_region: '{b}/region/{{region}}' }}
identities:
  app: {{ kind: client_secret, client_id: {CLIENT_ID}, client_secret: {{ env: EMU_SECRET }} }}
  partner:
    kind: refresh_token
    refresh_token: {{ file: partner.rt }}
    user_principal_name: admin@partner.example
defaults: {{ environment: lab, identity: app }}
tenants:
  - id: app.onmicrosoft.com
  - id: gdap.onmicrosoft.com
    identity: partner
  - id: override.onmicrosoft.com
    identity: partner
    anchor_mailbox: UPN:ops@override.onmicrosoft.com
  - id: bypass.onmicrosoft.com
    bypass_mailbox_anchoring: true
commands:
  labels:
    - Get-Label
    - cmdlet: Get-Mailbox
      service: exchange
"
    );
    std::fs::write(lab.path("anchors.yaml"), text).unwrap();
    let out = lab.run(&["run", "anchors.yaml", "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    assert_eq!(results(&run).len(), 8);
    let stats = lab.stats();
    assert_eq!(stats.violations.malformed_anchor, 0, "{:?}", stats.violations);
    // Only the bypass tenant sends no anchor (the emulator checks it on InvokeCommand: two calls).
    assert_eq!(stats.violations.missing_anchor, 2, "{:?}", stats.violations);
    assert!(stats.tokens_by_grant("refresh_token") >= 2, "{:?}", stats.tokens);
    assert!(!std::fs::read_to_string(run.join("results.jsonl"))
        .unwrap()
        .contains(&std::fs::read_to_string(&rt_path).unwrap()));
}

#[test]
fn concurrency_caps_hold_across_tenants_and_within_a_tenant() {
    let lab = Lab::start(EmulatorConfig { latency_ms: 60, ..EmulatorConfig::default() });
    let commands = "  a:\n    - Get-Label\n    - Get-LabelPolicy\n  b:\n    - Get-ProtectionAlert\n  c:\n    - Get-Label\n";
    let profile = lab.profile(&tenants(9, "cc"), commands, "  concurrency: 32\n");
    let p = profile.to_str().unwrap();
    // `--connect-ahead 0`: -j is a strict cap on tenants talking to the service at all
    // (by default as many again sign in and discover their region ahead).
    let out = lab.run(&["run", p, "-o", "runs", "--progress", "none", "-j", "3", "--connect-ahead", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stats = lab.stats();
    assert!(stats.max_concurrency <= 3, "-j 3: {}", stats.max_concurrency);
    assert!(stats.max_concurrency >= 2, "tenants ran in parallel: {}", stats.max_concurrency);
    assert!(
        stats.max_concurrency_per_tenant.values().all(|n| *n == 1),
        "{:?}",
        stats.max_concurrency_per_tenant
    );

    // By default up to -j more tenants connect ahead: at most 2 x -j talk to the service,
    // and still one call at a time per tenant.
    lab.emulator.as_ref().unwrap().reset_stats();
    let out = lab.run(&["run", p, "-o", "runs-ahead", "--progress", "none", "-j", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stats = lab.stats();
    assert!(stats.max_concurrency <= 6, "-j 3 with connect-ahead 3: {}", stats.max_concurrency);
    assert!(
        stats.max_concurrency_per_tenant.values().all(|n| *n == 1),
        "{:?}",
        stats.max_concurrency_per_tenant
    );

    lab.emulator.as_ref().unwrap().reset_stats();
    let out = lab.run(&[
        "run",
        p,
        "-o",
        "runs2",
        "--progress",
        "none",
        "-j",
        "1",
        "--per-tenant",
        "2",
        "--connect-ahead",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stats = lab.stats();
    assert_eq!(stats.max_concurrency, 2, "one tenant, two command lists at once");
    assert!(stats.max_concurrency_per_tenant.values().all(|n| *n <= 2));
    // Steps within a list still ran in order.
    let lines = results(&only_run(&lab.path("runs2")));
    for t in tenants(9, "cc") {
        let pos = |s: u64| lines.iter().position(|r| key(r) == (t.clone(), "a".to_string(), s)).unwrap();
        assert!(pos(0) < pos(1));
    }
    lab.assert_no_violations();
}

#[test]
fn per_request_timeout_fails_as_timeout_after_retries() {
    let lab = Lab::start(EmulatorConfig { latency_ms: 1500, ..EmulatorConfig::default() });
    let commands = "  mail:\n    - cmdlet: Get-AcceptedDomain\n      service: exchange\n";
    let profile =
        lab.profile(&["slow.onmicrosoft.com".to_string()], commands, "  timeout: 500ms\n  retries: 1\n");
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let lines = results(&only_run(&lab.path("runs")));
    assert_eq!(lines[0]["error"]["kind"], "timeout", "{}", lines[0]);
    assert_eq!(lines[0]["attempts"], 2, "{}", lines[0]);
    assert!(lines[0]["error"]["message"].as_str().unwrap().contains("0.5s"), "{}", lines[0]);
}

#[test]
fn plan_check_lists_cmdlets_a_tenant_does_not_grant() {
    let lab = Lab::start(EmulatorConfig::default());
    let commands = "  mixed:\n    - Get-Label\n    - cmdlet: Get-Mailbox\n      service: compliance\n  mail:\n    - cmdlet: Get-Mailbox\n      service: exchange\n";
    let ids = vec!["c1.onmicrosoft.com".to_string(), "c2.onmicrosoft.com".to_string()];
    let profile = lab.profile(&ids, commands, FAST);
    // The secret reaches the child through its environment (`Lab::cmd`), never this process's.
    let out = lab.run(&["plan", profile.to_str().unwrap(), "--check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "not granted steps fail the check: {}", show(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    assert_eq!(v["counts"]["not_granted"], 2, "{v}");
    let tenants = v["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), 2);
    for t in tenants {
        assert_eq!(t.get("check_error"), None, "{t}");
        let granted: Vec<(String, u64, bool)> = t["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["command"].as_str().unwrap().to_string(),
                    s["step"].as_u64().unwrap(),
                    s["granted"] == true,
                )
            })
            .collect();
        assert_eq!(
            granted,
            [("mixed".to_string(), 0, true), ("mixed".to_string(), 1, false), ("mail".to_string(), 0, true)],
            "{t}"
        );
    }
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: 2 steps NOT GRANTED in 2 tenants: the identity's role does not export the cmdlet \
         (hint: assign the role, or `run --preflight` skips them)\n"
    );
    let stats = lab.stats();
    assert_eq!(stats.requests_to("exo_module_file"), 4, "one per tenant and service");
    assert_eq!(stats.requests_to("invoke_command"), 0, "nothing ran");
    lab.assert_no_violations();
}

#[test]
fn the_builtin_emulator_environment_starts_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.yaml");
    std::fs::write(
        &profile,
        format!(
            "version: 1
identities:
  app: {{ kind: client_secret, client_id: {CLIENT_ID}, client_secret: {{ env: EMU_SECRET }} }}
defaults: {{ environment: emulator, identity: app }}
tenants:
  - id: one.onmicrosoft.com
  - id: two.onmicrosoft.com
commands:
  labels:
    - Get-Label
    - cmdlet: Get-Mailbox
      service: exchange
"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(dir.path())
        .env("EMU_SECRET", CLIENT_SECRET)
        .env("TENANTRUN_CACHE_DIR", dir.path().join("cache"))
        .args(["run", "p.yaml", "-o", "runs", "--progress", "none"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&dir.path().join("runs"));
    let lines = results(&run);
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|r| r["status"] == "ok"), "{lines:?}");
}

/// An emulator with no room for generated datasets (it keeps only the newest) serves every
/// tenant exactly what one that keeps them all serves (datasets are generated again,
/// identically), and still keeps what a write cmdlet changed.
#[test]
fn an_emulator_keeping_no_dataset_serves_the_same_items() {
    let ids = tenants(12, "d");
    let fingerprint_of = |lab: &Lab| {
        let profile = lab.profile(&ids, THREE_LISTS, FAST);
        let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        let run = run_dir(lab, &out);
        let print = fingerprint(&run);
        assert_eq!(print.len(), 12 * 5, "{print:?}");
        assert!(print.values().all(|(status, count, _, _)| status == "ok" && count.is_some()));
        assert!(print.values().any(|(_, _, _, bytes)| bytes.len() > 1000), "items were served");
        print
    };
    let keeping = Lab::start(EmulatorConfig::default());
    let kept = fingerprint_of(&keeping);
    let kept_stats = keeping.stats();
    assert_eq!(kept_stats.datasets_cached, 12 * 5, "{kept_stats:?}");
    assert!(kept_stats.dataset_cache_bytes > 0);

    let none = Lab::start(EmulatorConfig { dataset_cache_mib: 0, ..EmulatorConfig::default() });
    assert_eq!(fingerprint_of(&none), kept, "regenerated datasets are the kept ones");
    let stats = none.stats();
    assert_eq!(stats.datasets_cached, 1, "only the newest: {stats:?}");

    let write = "  search:\n    - cmdlet: New-ComplianceSearch\n      parameters: { Name: Kept, ExchangeLocation: All }\n    - Get-ComplianceSearch\n";
    let profile = none.profile(&ids[..1], write, FAST);
    let out =
        none.run(&["run", profile.to_str().unwrap(), "-o", "writes", "--progress", "none", "--allow-write"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = run_dir(&none, &out);
    let read = results(&run).into_iter().find(|r| r["cmdlet"] == "Get-ComplianceSearch").unwrap();
    let names: Vec<Value> = items(&run, &read).into_iter().map(|i| i["Name"].clone()).collect();
    assert!(names.contains(&Value::from("Kept")), "the write is kept: {names:?}");
}
