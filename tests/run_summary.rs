//! The summary table says which customer: tenant names next to ids, identical
//! failures grouped ("… in 3 tenants"), whole messages wrapped, elapsed time,
//! requests, retries and throttles, no "slowest tenants" when all were fast; it is
//! saved as `summary.txt`; `tenant_name` is on journal lines and in exports.
#![allow(clippy::unwrap_used)]

use crate::run_support;

use run_support::*;
use tenantrun::emulator::{EmulatorConfig, TenantConfig, APP_CLIENT_ID};

/// The lab's profile with names on the tenants.
fn named_profile(lab: &Lab, ids: &[String], lists: &str) -> String {
    let p = lab.profile(ids, lists, "");
    let mut text = std::fs::read_to_string(&p).unwrap();
    for (i, id) in ids.iter().enumerate() {
        text = text.replace(&format!("  - id: {id}\n"), &format!("  - {{ id: {id}, name: Customer {i} }}\n"));
    }
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn redact(lab: &Lab, text: &str) -> String {
    let text = text.replace(&lab.dir.path().display().to_string(), "[LAB]");
    let mut out = Vec::new();
    for line in text.lines() {
        let line = if line.starts_with("Run ") && !line.starts_with("Run directory") {
            "Run [RUN-ID]".to_string()
        } else if line.starts_with("Run directory: ") {
            "Run directory: [RUN_DIR]".to_string()
        } else if line.trim_start().starts_with("elapsed") {
            "  elapsed   [ELAPSED]".to_string()
        } else if line.trim_start().starts_with("requests") {
            "  requests  [N]".to_string()
        } else {
            line.to_string()
        };
        out.push(line);
    }
    // Entra's trace and correlation ids and timestamps differ per run.
    let text = out.join("\n").replace(lab.base.as_str(), "[EMULATOR]");
    mask_ids(&text)
}

fn mask_ids(text: &str) -> String {
    text.split('\n')
        .map(|l| {
            l.split(' ')
                .map(|w| {
                    let hex = w.chars().filter(char::is_ascii_hexdigit).count();
                    if w.matches('-').count() >= 4 && hex >= 32 {
                        "[ID]".to_string()
                    } else if w.chars().all(|c| c.is_ascii_digit() || ":-.Z".contains(c)) && w.len() >= 8 {
                        "[TIME]".to_string()
                    } else {
                        w.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn identical_failures_are_grouped_with_names_and_saved_as_summary_txt() {
    let ids = tenants(5, "t");
    let config = EmulatorConfig {
        tenants: ids[..3]
            .iter()
            .map(|id| TenantConfig {
                id: id.clone(),
                not_consented: vec![APP_CLIENT_ID.into()],
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let lab = Lab::start(config);
    let p = named_profile(&lab, &ids, "  labels:\n    - Get-Label\n");
    let o = lab.run(&["run", &p, "-o", "runs", "--progress", "none", "--format", "csv,json"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let run = only_run(&lab.path("runs"));
    assert_eq!(std::fs::read_to_string(run.join("summary.txt")).unwrap(), stdout, "summary.txt is the table");
    insta::assert_snapshot!(redact(&lab, &stdout));

    // Which customer, on every journal line and in the exports.
    for line in results(&run) {
        let id = line["tenant"].as_str().unwrap();
        let i = ids.iter().position(|t| t == id).unwrap();
        assert_eq!(line["tenant_name"], format!("Customer {i}"), "{line}");
    }
    let csv = std::fs::read_to_string(run.join("csv/labels.0.csv")).unwrap();
    let mut rows = csv.lines();
    assert!(rows.next().unwrap().trim_start_matches('\u{feff}').starts_with("tenant,tenant_name,"), "{csv}");
    assert!(
        rows.all(|r| r.starts_with("t003.onmicrosoft.com,Customer 3,")
            || r.starts_with("t004.onmicrosoft.com,Customer 4,")),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("json/labels.0.json")).unwrap()).unwrap();
    let first = json[0].as_object().unwrap();
    assert_eq!(first.keys().take(2).collect::<Vec<_>>(), ["tenant", "tenant_name"]);
    assert_eq!(first["tenant_name"], "Customer 3");
}
