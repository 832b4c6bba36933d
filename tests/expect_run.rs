//! Expectations end to end through the real binary on the emulator: exit codes
//! 0/1/3, `checks.jsonl` lines, `check` offline (the emulator stopped), resume and
//! merge of `checks.jsonl`.

#![allow(clippy::unwrap_used)]

use crate::run_support;

use run_support::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use tenantrun::emulator::EmulatorConfig;

const FAST: &str = "  concurrency: 8\n  timeout: 20s\n  retries: 3\n";

fn audit(expect: &str) -> String {
    format!(
        "  audit:\n    - cmdlet: Get-AdminAuditLogConfig\n      service: exchange\n      expect:\n{expect}"
    )
}

const PASSES: &str = "        - { id: EXO-AUDIT-00, title: One audit config, severity: high, count: 1 }\n";
const FAILS: &str = "        - { id: EXO-AUDIT-99, title: Named nobody, all: { Name: nobody } }\n";

fn checks(run: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(run.join("checks.jsonl")).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// The effective line per (tenant, check): the last wins.
fn effective_checks(run: &Path) -> BTreeMap<(String, String), Value> {
    checks(run)
        .into_iter()
        .map(|l| ((l["tenant"].as_str().unwrap().into(), l["check"].as_str().unwrap().into()), l))
        .collect()
}

fn summary_checks(run: &Path) -> Value {
    let s: Value = serde_json::from_slice(&std::fs::read(run.join("summary.json")).unwrap()).unwrap();
    s["checks"].clone()
}

#[test]
fn exit_code_0_when_every_check_passes() {
    let lab = Lab::start(EmulatorConfig::default());
    let ids = tenants(3, "pass");
    let profile = lab.profile(&ids, &audit(PASSES), FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = run_dir(&lab, &out);
    let lines = checks(&run);
    assert_eq!(lines.len(), 3);
    for l in &lines {
        assert_eq!((l["status"].as_str(), l["outcome"].as_str()), (Some("pass"), Some("pass")), "{l}");
        assert_eq!((l["objects_checked"].as_u64(), l["objects_failing"].as_u64()), (Some(1), Some(0)));
        assert_eq!(l["detail"], "1 object, exactly 1 expected");
        let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "tenant",
                "tenant_name",
                "check",
                "title",
                "severity",
                "command",
                "step",
                "cmdlet",
                "status",
                "outcome",
                "objects_checked",
                "objects_failing",
                "failing",
                "detail",
                "exemption"
            ]
        );
    }
    assert_eq!(
        summary_checks(&run),
        serde_json::json!({"pass": 3, "fail": 0, "error": 0, "exempt": 0, "failing": []})
    );
    assert!(run.join("profile/profile.yaml").is_file(), "the run keeps a copy of its profile");
}

#[test]
fn exit_code_3_when_a_check_fails_and_the_table_names_it() {
    let lab = Lab::start(EmulatorConfig::default());
    let ids = tenants(4, "fail");
    let profile = lab.profile(&ids, &audit(&format!("{PASSES}{FAILS}")), FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\nFailing checks\n  check         severity  tenants  title\n  EXO-AUDIT-99  medium          4  Named nobody\n"),
        "{stdout}"
    );
    let run = run_dir(&lab, &out);
    let eff = effective_checks(&run);
    assert_eq!(eff.len(), 8);
    let l = &eff[&(ids[0].clone(), "EXO-AUDIT-99".to_string())];
    assert_eq!(
        (l["status"].as_str(), l["objects_checked"].as_u64(), l["objects_failing"].as_u64()),
        (Some("fail"), Some(1), Some(1))
    );
    assert_eq!(l["failing"], serde_json::json!(["Admin Audit Log Settings"]));
    assert_eq!(
        (l["command"].as_str(), l["step"].as_u64(), l["cmdlet"].as_str()),
        (Some("audit"), Some(0), Some("Get-AdminAuditLogConfig"))
    );
    assert_eq!(
        summary_checks(&run),
        serde_json::json!({"pass": 4, "fail": 4, "error": 0, "exempt": 0, "failing":
            [{"check": "EXO-AUDIT-99", "title": "Named nobody", "severity": "medium", "tenants": 4}]})
    );
}

#[test]
fn exit_code_1_when_a_step_fails_and_its_checks_are_errors() {
    let lab = Lab::start(EmulatorConfig::default());
    let ids = tenants(2, "err");
    let commands = format!(
        "{}    - cmdlet: Get-NoSuchThing\n      service: exchange\n      expect:\n        - {{ id: NOPE-1, count: 0 }}\n",
        audit(PASSES)
    );
    let profile = lab.profile(&ids, &commands, FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run = run_dir(&lab, &out);
    let eff = effective_checks(&run);
    let l = &eff[&(ids[1].clone(), "NOPE-1".to_string())];
    assert_eq!(
        (l["status"].as_str(), l["outcome"].as_str(), l["objects_checked"].as_u64()),
        (Some("error"), Some("error"), Some(0))
    );
    assert!(l["detail"].as_str().unwrap().starts_with("the step failed ("), "{l}");
    assert_eq!(eff[&(ids[1].clone(), "EXO-AUDIT-00".to_string())]["status"], "pass");
    // `check` follows `run`: a failed step in the run is exit 1 whatever the checks say.
    let out = lab.run(&["check", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(effective_checks(&run), eff);
}

#[test]
fn check_rejudges_offline_with_the_run_copy_or_another_profile() {
    let mut lab = Lab::start(EmulatorConfig::default());
    let ids = tenants(3, "chk");
    let profile = lab.profile(&ids, &audit(FAILS), FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let run = run_dir(&lab, &out);
    // Offline from here on: nothing is listening any more.
    lab.emulator = None;

    let out = lab.run(&["check", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Checked "), "{}", show(&out));
    assert_eq!(checks(&run).len(), 3, "rewritten, not appended");

    // The GitOps repo changed the expectation and exempts one tenant (and one waiver expired).
    let text = std::fs::read_to_string(&profile)
        .unwrap()
        .replace("all: { Name: nobody }", "all: { name: 'ADMIN audit LOG settings' }");
    let text = format!(
        "{text}exemptions:\n  - {{ check: 'EXO-*', tenants: [{}], reason: lab tenant, expires: 2099-12-31 }}\n  - {{ check: EXO-AUDIT-99, tenants: [{}], reason: waived once, expires: 2020-01-01 }}\n",
        ids[0], ids[1]
    );
    let changed = lab.path("changed.yaml");
    std::fs::write(&changed, text).unwrap();
    let out = lab.run(&["check", run.to_str().unwrap(), changed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let eff = effective_checks(&run);
    assert_eq!(checks(&run).len(), 3);
    let exempt = &eff[&(ids[0].clone(), "EXO-AUDIT-99".to_string())];
    assert_eq!((exempt["status"].as_str(), exempt["outcome"].as_str()), (Some("exempt"), Some("pass")));
    assert_eq!(
        exempt["exemption"],
        serde_json::json!({"reason": "lab tenant", "expires": "2099-12-31", "expired": false})
    );
    let expired = &eff[&(ids[1].clone(), "EXO-AUDIT-99".to_string())];
    assert_eq!(expired["status"], "pass");
    assert_eq!(
        expired["exemption"],
        serde_json::json!({"reason": "waived once", "expires": "2020-01-01", "expired": true})
    );
    assert_eq!(eff[&(ids[2].clone(), "EXO-AUDIT-99".to_string())]["exemption"], Value::Null);
    assert_eq!(
        summary_checks(&run),
        serde_json::json!({"pass": 2, "fail": 0, "error": 0, "exempt": 1, "failing": []})
    );
}

#[test]
fn resume_judges_steps_whose_check_lines_were_lost() {
    let lab = Lab::start(EmulatorConfig::default());
    let ids = tenants(3, "res");
    let profile = lab.profile(&ids, &audit(&format!("{PASSES}{FAILS}")), FAST);
    let out = lab.run(&["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let run = run_dir(&lab, &out);
    let full = effective_checks(&run);
    // A kill after the journal line but during the check lines: one line kept, one torn.
    let text = std::fs::read_to_string(run.join("checks.jsonl")).unwrap();
    let first = text.lines().next().unwrap();
    std::fs::write(run.join("checks.jsonl"), format!("{first}\n{{\"tenant\":\"res0")).unwrap();
    let out =
        lab.run(&["run", profile.to_str().unwrap(), "--resume", run.to_str().unwrap(), "--progress", "none"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let lines = checks(&run);
    assert_eq!(lines.len(), 6, "the torn line is gone and every (tenant, check) has one line");
    let eff = effective_checks(&run);
    assert_eq!(eff.keys().collect::<Vec<_>>(), full.keys().collect::<Vec<_>>());
    for (k, l) in &eff {
        assert_eq!(l["status"], full[k]["status"], "{k:?}");
    }
    assert_eq!(summary_checks(&run)["fail"], 3);
}

#[test]
fn merged_shards_keep_every_check_line() {
    let lab = Lab::start(EmulatorConfig::default());
    let ids = tenants(6, "shard");
    let profile = lab.profile(&ids, &audit(&format!("{PASSES}{FAILS}")), FAST);
    let mut runs = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = lab.run(&[
            "run",
            profile.to_str().unwrap(),
            "--shard",
            shard,
            "-o",
            "runs",
            "--progress",
            "none",
        ]);
        assert_eq!(out.status.code(), Some(3), "{}", show(&out));
        runs.push(run_dir(&lab, &out));
    }
    let merged = lab.path("merged");
    let out = lab.run(&[
        "merge",
        runs[0].to_str().unwrap(),
        runs[1].to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let eff = effective_checks(&merged);
    assert_eq!(eff.len(), 12);
    assert_eq!(checks(&merged).len(), 12);
    assert_eq!(summary_checks(&merged)["pass"], 6);
    assert_eq!(summary_checks(&merged)["fail"], 6);
    // The merged run can be judged again from its own profile copy.
    let out = lab.run(&["check", merged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert_eq!(checks(&merged).len(), 12);
}
