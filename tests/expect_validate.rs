//! `validate` on expectations and exemptions: every problem located at
//! FILE:LINE:COL (the regex error at its own column), expired exemptions warned,
//! and a good profile counted.

use std::process::Command;

fn validate(dir: &std::path::Path, text: &str) -> (i32, String, String) {
    let file = dir.join("p.yaml");
    std::fs::write(&file, text).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(dir)
        .args(["validate", "p.yaml"])
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const HEAD: &str = "version: 1
identities:
  app: { kind: client_secret, client_id: 00000000-0000-4000-8000-00000000e001, client_secret: { env: S } }
defaults: { identity: app, environment: emulator }
tenants:
  - { id: contoso.onmicrosoft.com, tags: [lab] }
";

#[test]
fn bad_expectations_are_located_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{HEAD}commands:
  audit:
    - cmdlet: Get-AdminAuditLogConfig
      expect:
        - id: EXO-AUDIT-01
          severity: hgh
          all: {{ UnifiedAuditLogIngestionEnabled: true }}
        - id: B
          all: {{ X: {{ exist: true }} }}
        - id: C
          all: {{ X: 1 }}
          none: {{ Y: 2 }}
        - id: D
          any: {{ Name: {{ matches: \"ab(c\" }} }}
        - id: E
          where: {{ Name: {{ like: \"x[ab\" }} }}
          count: {{ min: 5, max: 2 }}
        - id: F
          title: no quantifier
        - id: G
          all: {{ X: {{ in: 3, exists: yes }} }}
"
    );
    let (code, _, err) = validate(dir.path(), &text);
    assert_eq!(code, 2, "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn duplicate_ids_and_unmatched_exemptions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{HEAD}commands:
  audit:
    - cmdlet: Get-AdminAuditLogConfig
      expect:
        - {{ id: EXO-AUDIT-01, all: {{ UnifiedAuditLogIngestionEnabled: true }} }}
    - cmdlet: Get-Mailbox
      expect:
        - {{ id: exo-audit-01, count: 3 }}
exemptions:
  - {{ check: EXO-AUDT-01, reason: typo, expires: 2099-01-01 }}
  - {{ check: EXO-*, tenants: [\"tag:\"], reason: bad selector, expires: 2099-01-01 }}
  - {{ check: EXO-*, reason: no date, expires: 2027-02-30 }}
  - {{ check: EXO-*, expires: 2099-01-01 }}
"
    );
    let (code, _, err) = validate(dir.path(), &text);
    assert_eq!(code, 2, "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn expired_exemptions_are_warnings_and_checks_are_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{HEAD}commands:
  audit:
    - cmdlet: Get-AdminAuditLogConfig
      expect:
        - {{ id: EXO-AUDIT-01, all: {{ UnifiedAuditLogIngestionEnabled: true }} }}
        - {{ id: EXO-AUDIT-02, count: {{ min: 1 }} }}
exemptions:
  - {{ check: EXO-AUDIT-01, tenants: [tag:lab], reason: lab, expires: 2020-01-31 }}
  - {{ check: EXO-*, reason: later, expires: 2099-12-31 }}
"
    );
    let (code, out, err) = validate(dir.path(), &text);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ok: p.yaml (1 file, 1 tenant, 1 identity, 1 command list, 2 checks)\n");
    assert_eq!(
        err,
        "warning: exemption `EXO-AUDIT-01` expired on 2020-01-31; it no longer applies\n  ——▶ p.yaml:14:14\n   │\n14 │   - { check: EXO-AUDIT-01, tenants: [tag:lab], reason: lab, expires: 2020-01-31 }\n   │              ^^^^^^^^^^^^\n   = hint: renew `expires` if the reason still holds, or remove the exemption\n\n"
    );
}

#[test]
fn plan_lists_the_checks_of_each_step() {
    let out = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["plan", "profiles/baseline", "-t", "tag:finance"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("\nChecks per step\n  mail-flow[0] Get-RemoteDomain\n    MS.EXO.1.1v1       high     all    Automatic forwarding to external domains is disabled\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    EXO-MBX-SHARED-FWD high     none  (where)  No shared mailbox forwards mail\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("19 checks on 13 steps; 38 (tenant, check) judgements; 1 exemption\n"),
        "{stdout}"
    );
}

#[test]
fn plan_json_carries_the_checks_of_each_step() {
    let out = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["plan", "profiles/baseline", "-t", "tag:finance", "--format", "json"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan json");
    let steps = &plan["tenants"][0]["steps"];
    assert_eq!(steps[2]["cmdlet"], "Get-Mailbox");
    assert_eq!(
        steps[2]["checks"],
        serde_json::json!([{
            "id": "EXO-MBX-SHARED-FWD",
            "title": "No shared mailbox forwards mail",
            "severity": "high",
            "quantifier": "none",
            "where": true,
            "source": "CIS Microsoft 365 Foundations Benchmark v3.1.0, 6.2.1 (mailbox forwarding)",
        }])
    );
    let total: usize = plan["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .flat_map(|t| t["steps"].as_array().expect("steps").iter())
        .map(|s| s["checks"].as_array().expect("checks").len())
        .sum();
    assert_eq!(total, 38, "every (tenant, check) of the text plan's count");
}
