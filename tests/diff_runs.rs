//! `tenantrun diff` end to end: two runs of one emulator, with a write run between them
//! that changes the organization config, adds one compliance search and removes another
//! (exact JSON, table and exit 3); tenants added and removed; failed steps reported as
//! not comparable, never as objects removed (alone: exit 0).
#![allow(clippy::unwrap_used)]

use crate::run_support;

use run_support::{run_dir, show, Lab};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tenantrun::emulator::EmulatorConfig;

const READ: &str = "  org:
    - cmdlet: Get-OrganizationConfig
      service: exchange
      expect:
        - id: ORG-01
          title: Auditing is on
          all: { AuditDisabled: false }
  searches:
    - Get-ComplianceSearch
  broken:
    - cmdlet: Get-Mailbox
      service: exchange
      parameters: { Identity: nobody-here }
";

const FAST: &str = "  concurrency: 4\n  timeout: 20s\n  retries: 0\n";

fn run(lab: &Lab, profile: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"];
    args.extend_from_slice(extra);
    let out = lab.run(&args);
    assert!(matches!(out.status.code(), Some(0 | 1 | 3)), "{}", show(&out));
    run_dir(lab, &out)
}

fn read_profile(lab: &Lab, tenants: &[&str], name: &str) -> PathBuf {
    let ids: Vec<String> = tenants.iter().map(|t| t.to_string()).collect();
    let path = lab.profile(&ids, READ, FAST);
    let keep = lab.path(name);
    std::fs::rename(path, &keep).unwrap();
    keep
}

fn first_object(run: &Path, command: &str, tenant: &str) -> Value {
    let text = std::fs::read_to_string(run.join(format!("items/{command}/{tenant}.0.jsonl"))).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

/// The object named `name` in contoso's items of `command`.
fn find(run: &Path, command: &str, name: &str) -> Value {
    let text = std::fs::read_to_string(run.join(format!("items/{command}/contoso.onmicrosoft.com.0.jsonl")))
        .unwrap();
    text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).find(|o| o["Name"] == name).unwrap()
}

/// Run the write `commands` on contoso (`--allow-write`).
fn write_run(lab: &Lab, commands: &str) {
    let profile = lab.profile(&["contoso.onmicrosoft.com".to_string()], commands, FAST);
    let out =
        lab.run(&["run", profile.to_str().unwrap(), "-o", "writes", "--progress", "none", "--allow-write"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

fn diff(lab: &Lab, old: &Path, new: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["diff", old.to_str().unwrap(), new.to_str().unwrap()];
    args.extend_from_slice(extra);
    lab.run(&args)
}

#[test]
fn objects_added_removed_and_changed_by_key_with_check_transitions() {
    let lab = Lab::start(EmulatorConfig::default());
    let read = read_profile(&lab, &["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"], "read.yaml");
    let search = |name: &str| {
        format!(
            "    - cmdlet: New-ComplianceSearch\n      parameters: {{ Name: {name}, ContentMatchQuery: \"subject:x\" }}\n"
        )
    };
    write_run(&lab, &format!("  seed:\n{}{}", search("diff-kept"), search("diff-gone")));
    let old = run(&lab, &read, &[]);
    let org = first_object(&old, "org", "contoso.onmicrosoft.com");
    let gone = find(&old, "searches", "diff-gone");
    write_run(
        &lab,
        &format!(
            "  change:\n    - cmdlet: Set-OrganizationConfig\n      service: exchange\n      \
             parameters: {{ AuditDisabled: false, MailTipsLargeAudienceThreshold: 50 }}\n{}    \
             - cmdlet: Remove-ComplianceSearch\n      parameters: {{ Identity: diff-gone }}\n",
            search("diff-added")
        ),
    );
    let new = run(&lab, &read, &[]);

    let out = diff(&lab, &old, &new, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let added = find(&new, "searches", "diff-added");
    let old_id = |run: &Path| run.file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(
        got,
        json!({
            "old": old_id(&old), "new": old_id(&new),
            "tenants": {"added": [], "removed": []},
            "steps": [
                {"tenant": "contoso.onmicrosoft.com", "command": "org", "step": 0, "cmdlet": "Get-OrganizationConfig",
                 "added": [], "removed": [],
                 "changed": [{"key": {"Guid": org["Guid"]},
                              "changes": {"AuditDisabled": {"old": org["AuditDisabled"], "new": false},
                                          "MailTipsLargeAudienceThreshold": {"old": org["MailTipsLargeAudienceThreshold"], "new": 50}}}]},
                {"tenant": "contoso.onmicrosoft.com", "command": "searches", "step": 0, "cmdlet": "Get-ComplianceSearch",
                 "added": [added], "removed": [gone], "changed": []},
            ],
            "checks": [{"tenant": "contoso.onmicrosoft.com", "check": "ORG-01", "old": "fail", "new": "pass"}],
            "not_comparable": [
                {"tenant": "contoso.onmicrosoft.com", "command": "broken", "step": 0, "why": "failed in the old run, failed in the new run"},
                {"tenant": "fabrikam.onmicrosoft.com", "command": "broken", "step": 0, "why": "failed in the old run, failed in the new run"},
            ],
        })
    );

    let out = diff(&lab, &old, &new, &[]);
    assert_eq!(out.status.code(), Some(3));
    let table = String::from_utf8(out.stdout).unwrap();
    let want = format!(
        "Comparing {} -> {}

contoso.onmicrosoft.com org[0] Get-OrganizationConfig
  ~ Guid={}
      AuditDisabled: true -> false
      MailTipsLargeAudienceThreshold: 25 -> 50

contoso.onmicrosoft.com searches[0] Get-ComplianceSearch
  - Guid={} (diff-gone)
  + Guid={} (diff-added)

Checks
  fixed          ORG-01  contoso.onmicrosoft.com  fail -> pass

Not comparable
  contoso.onmicrosoft.com broken[0] Get-Mailbox: failed in the old run, failed in the new run
  fabrikam.onmicrosoft.com broken[0] Get-Mailbox: failed in the old run, failed in the new run

1 object added, 1 changed, 1 removed in 2 steps; 0 tenants added, 0 removed; 1 check change, 0 still failing; \
         2 steps not comparable.
",
        old_id(&old),
        old_id(&new),
        org["Guid"].as_str().unwrap(),
        gone["Guid"].as_str().unwrap(),
        added["Guid"].as_str().unwrap()
    );
    assert_eq!(table, want);
    assert_eq!(org["AuditDisabled"], true, "the emulator's contoso starts with auditing off");

    let out = diff(&lab, &old, &new, &["--format", "html"]);
    assert_eq!(out.status.code(), Some(3));
    let html = String::from_utf8(out.stdout).unwrap();
    let row = format!(
        "<tr class=\"add\"><td>+</td><td colspan=\"3\">Guid={} (diff-added)</td></tr>",
        added["Guid"].as_str().unwrap()
    );
    assert!(html.contains(&row), "{html}");
    assert!(html.contains("<tr><td></td><td>AuditDisabled</td><td class=\"del\"><pre>true</pre></td><td class=\"add\"><pre>false</pre></td></tr>"), "{html}");
    assert!(html.ends_with("2 steps not comparable.</p>\n</body></html>\n"), "{html}");
}

#[test]
fn tenants_added_and_removed_are_listed_once_and_failed_steps_alone_are_no_difference() {
    let lab = Lab::start(EmulatorConfig::default());
    let first = read_profile(&lab, &["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"], "first.yaml");
    let a = run(&lab, &first, &[]);
    let b = run(&lab, &first, &[]);
    // Only the failing Get-Mailbox differs in status (failed in both): not comparable, exit 0.
    let out = diff(&lab, &a, &b, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["steps"], json!([]));
    assert_eq!(got["not_comparable"].as_array().unwrap().len(), 2);
    // ORG-01 fails in both runs for contoso and fabrikam: still failing, listed, not a difference.
    let still: Vec<&Value> = got["checks"].as_array().unwrap().iter().collect();
    assert!(!still.is_empty() && still.iter().all(|c| c["old"] == "fail" && c["new"] == "fail"), "{still:?}");

    let second = read_profile(&lab, &["contoso.onmicrosoft.com", "litware.onmicrosoft.com"], "second.yaml");
    let c = run(&lab, &second, &[]);
    let out = diff(&lab, &a, &c, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got["tenants"],
        json!({"added": ["litware.onmicrosoft.com"], "removed": ["fabrikam.onmicrosoft.com"]})
    );
    assert_eq!(got["steps"], json!([]));
    let tenants_named: Vec<&str> = got["not_comparable"]
        .as_array()
        .unwrap()
        .iter()
        .chain(got["checks"].as_array().unwrap())
        .map(|x| x["tenant"].as_str().unwrap())
        .collect();
    assert!(tenants_named.iter().all(|t| *t == "contoso.onmicrosoft.com"), "{tenants_named:?}");

    let out = diff(&lab, &a, &c, &["--format", "markdown"]);
    assert_eq!(out.status.code(), Some(3));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains(
            "\n- + tenant litware.onmicrosoft.com added\n- - tenant fabrikam.onmicrosoft.com removed\n"
        ),
        "{md}"
    );
    let out = diff(&lab, &a, &lab.path("missing"), &[]);
    assert_eq!(out.status.code(), Some(2));
}
