//! `run` on tenant sources over real sockets: the run's `tenants.json`, reused by
//! `--resume` although the partner's relationships changed in between (the resumed run
//! must not pick up new tenants), and the GDAP quickstart on the built-in emulator,
//! sharded after discovery.
#![allow(clippy::unwrap_used)]

use crate::discovery_support;

use discovery_support::*;
use std::collections::BTreeSet;
use std::path::Path;
use tenantrun::emulator::{EmulatorConfig, TenantConfig};

fn snapshot_ids(run: &Path) -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("tenants.json")).unwrap()).unwrap();
    ids(&doc, "tenants")
}

fn result_tenants(run: &Path) -> BTreeSet<String> {
    results(run).iter().map(|r| r["tenant"].as_str().unwrap().to_string()).collect()
}

#[test]
fn resume_keeps_the_tenants_the_run_started_with() {
    let both = [EXO, CC];
    let customers =
        |n: u32| (1..=n).map(|i| customer(i, &format!("C{i}"), vec![rel("active", &both)])).collect();
    let config = EmulatorConfig {
        partners: vec![partner(customers(3))],
        // Customer 2's steps fail (403), so the run has something left to resume.
        tenants: vec![TenantConfig {
            id: customer_id(2),
            lacks_exchange_role: true,
            ..TenantConfig::default()
        }],
        ..EmulatorConfig::default()
    };
    let lab = Lab::start(config);
    profile(&lab, "", &gdap_source("    tags: [gdap]\n"), "");
    let out = lab.run(&["run", "profile.yaml", "-o", "out", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run = run_dir(&lab, &out);
    let first: Vec<String> = (1..=3).map(customer_id).collect();
    assert_eq!(snapshot_ids(&run), first);
    assert_eq!(result_tenants(&run), first.iter().cloned().collect());
    let snapshot = std::fs::read(run.join("tenants.json")).unwrap();
    assert_eq!(lab.stats().requests_to("graph_relationships"), 1);

    // The partner gains a customer; the resumed run still runs the three it started with.
    lab.emulator.as_ref().unwrap().set_partners(vec![partner(customers(4))]);
    let out = lab.run(&["run", "profile.yaml", "--resume", run.to_str().unwrap(), "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(lab.stats().requests_to("graph_relationships"), 1, "a resumed run reads no source");
    assert_eq!(result_tenants(&run), first.iter().cloned().collect());
    let failed: Vec<String> = results(&run)
        .iter()
        .filter(|r| r["status"] == "failed")
        .map(|r| r["tenant"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failed, [customer_id(2), customer_id(2)], "only the failed step ran again");
    assert_eq!(std::fs::read(run.join("tenants.json")).unwrap(), snapshot);

    // A new run discovers again and sees the fourth customer.
    let out = lab.run(&["run", "profile.yaml", "-o", "out2", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let again = run_dir(&lab, &out);
    assert_eq!(snapshot_ids(&again), (1..=4).map(customer_id).collect::<Vec<_>>());
    assert_eq!(lab.stats().requests_to("graph_relationships"), 2);
}

#[test]
fn the_gdap_quickstart_runs_with_one_command_and_shards_after_discovery() {
    let lab = Lab::start(EmulatorConfig::default());
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart-gdap.yaml");
    let example = example.to_str().unwrap();
    let out = lab.run(&["run", example, "-o", "out", "--progress", "none"]);
    assert!(out.status.success(), "{}", show(&out));
    let run = run_dir(&lab, &out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut lines = stderr.lines();
    assert_eq!(
        lines.next(),
        Some("tenant sources: 7 tenant(s) (gdap: 7); 2 customer(s) left out (`tenantrun tenants` says why)")
    );
    let warning = lines.next().unwrap_or_default();
    assert!(
        warning.starts_with("warning: tenant ")
            && warning.contains(" (Litware): every active GDAP relationship ends within 30 days (last on "),
        "{stderr}"
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("tenants.json")).unwrap()).unwrap();
    let names: Vec<&str> =
        doc["tenants"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let mut sorted_names = names.clone();
    sorted_names.sort();
    assert_eq!(
        sorted_names,
        [
            "Adatum",
            "Alpine Ski House",
            "Contoso",
            "Fabrikam",
            "Litware",
            "Northwind Traders",
            "Woodgrove Bank"
        ]
    );
    let excluded: Vec<(&str, &str)> = doc["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    let mut excluded = excluded;
    excluded.sort();
    assert_eq!(
        excluded,
        [
            ("Tailspin Toys", "missing roles exchange-administrator, compliance-administrator"),
            (
                "Wingtip Toys",
                "only Microsoft-led transition (MLT_) relationships (set `include_mlt: true` to keep them)"
            ),
        ]
    );
    let all = snapshot_ids(&run);
    let ok = results(&run).iter().filter(|r| r["status"] == "ok").count();
    assert_eq!(ok, all.len() * 2);

    // Two machines discovering the same relationships split them without overlap.
    let mut union = BTreeSet::new();
    for shard in ["1/2", "2/2"] {
        let out = lab.run(&[
            "run",
            example,
            "-t",
            "tag:gdap",
            "--shard",
            shard,
            "-o",
            "shards",
            "--progress",
            "none",
        ]);
        assert!(out.status.success(), "{}", show(&out));
        let run = run_dir(&lab, &out);
        assert_eq!(snapshot_ids(&run), all, "every shard records the whole resolved list");
        for t in result_tenants(&run) {
            assert!(union.insert(t.clone()), "{t} ran in two shards");
        }
    }
    assert_eq!(union, all.iter().cloned().collect());
}

fn check_statuses(run: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(run.join("checks.jsonl")).unwrap();
    let mut out: Vec<(String, String)> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|c| (c["tenant"].as_str().unwrap().to_string(), c["status"].as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn check_and_plan_see_discovered_tenants_and_their_source_tags() {
    let lab = lab_with(vec![partner(vec![customer(1, "Alpha", vec![rel("active", &[EXO, CC])])])]);
    let path = profile(&lab, "", &gdap_source("    tags: [gdap]\n"), "  - id: own.example.com\n");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "commands:\n  labels:\n    - Get-Label\n",
        "commands:\n  labels:\n    - cmdlet: Get-Label\n      expect:\n        - id: T-1\n          count: 987654\n\
         exemptions:\n  - check: T-1\n    tenants: [tag:gdap]\n    reason: discovered customers are audited elsewhere\n    \
         expires: 2099-12-31\n",
    );
    std::fs::write(&path, text).unwrap();
    let out = lab.run(&["plan", "profile.yaml", "--format", "json"]);
    assert!(out.status.success(), "{}", show(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let planned: Vec<&str> =
        plan["tenants"].as_array().unwrap().iter().map(|t| t["tenant"].as_str().unwrap()).collect();
    assert_eq!(planned, [customer_id(1).as_str(), "own.example.com"]);

    let out = lab.run(&["run", "profile.yaml", "-o", "out", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let run = run_dir(&lab, &out);
    let judged =
        vec![(customer_id(1), "exempt".to_string()), ("own.example.com".to_string(), "fail".to_string())];
    assert_eq!(check_statuses(&run), judged);
    // `check` judges again from the run's tenants.json: the source's tag still exempts.
    let out = lab.run(&["check", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert_eq!(check_statuses(&run), judged);
    // Without it the discovered tenant's tags are unknown and the exemption no longer applies.
    std::fs::remove_file(run.join("tenants.json")).unwrap();
    let out = lab.run(&["check", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert_eq!(
        check_statuses(&run),
        [(customer_id(1), "fail".to_string()), ("own.example.com".to_string(), "fail".to_string())]
    );
}
