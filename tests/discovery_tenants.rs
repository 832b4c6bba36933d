//! `tenantrun tenants` over real sockets against the emulator's Microsoft Graph: paging
//! across several pages, the active filter, role union, MLT_, expiring relationships,
//! required roles, override precedence between sources and `tenants:`, CSV errors located
//! at FILE:LINE, the 401 and 403 paths, sharding after discovery, and `--write`.
#![allow(clippy::unwrap_used)]

use crate::discovery_support;

use discovery_support::*;
use serde_json::json;
use tenantrun::emulator::{EmulatorConfig, PartnerConfig, RelationshipConfig};

fn mixed_partner() -> PartnerConfig {
    let expiring = RelationshipConfig { ends_in_days: 10, auto_extend: false, ..rel("active", &[EXO, CC]) };
    let mlt = RelationshipConfig { display_name: Some("MLT_0001".into()), ..rel("active", &[EXO, CC]) };
    PartnerConfig {
        generated_customers: 600,
        ..partner(vec![
            customer(1, "Alpha", vec![rel("active", &[EXO]), rel("active", &[CC]), rel("expired", &[GA])]),
            customer(2, "Bravo", vec![mlt]),
            customer(3, "Charlie", vec![expiring]),
            customer(4, "Delta", vec![rel("active", &[READER])]),
            customer(5, "Echo", vec![rel("terminated", &[GA]), rel("approvalPending", &[GA])]),
            customer(6, "Foxtrot", vec![rel("active", &[GA])]),
        ])
    }
}

#[test]
fn gdap_pages_filters_unites_roles_and_explains_exclusions() {
    let lab = lab_with(vec![mixed_partner()]);
    profile(
        &lab,
        "",
        &gdap_source(
            "    require_roles: [exchange-administrator, compliance-administrator]\n    tags: [gdap]\n",
        ),
        "",
    );
    let doc = tenants_json(&lab, &[]);
    let tenants = doc["tenants"].as_array().unwrap();
    // 600 generated + Alpha, Charlie, Foxtrot; ordered by id.
    assert_eq!(tenants.len(), 603);
    let all = ids(&doc, "tenants");
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);
    let by_id = |n: u32| tenants.iter().find(|t| t["id"] == customer_id(n)).cloned();
    let alpha = by_id(1).unwrap();
    assert_eq!(alpha["name"], "Alpha");
    assert_eq!(alpha["roles"], json!(["compliance-administrator", "exchange-administrator"]));
    assert_eq!(alpha["tags"], json!(["gdap"]));
    assert_eq!(alpha["source"], "gdap");
    assert_eq!(alpha["identity"], "app");
    assert_eq!(alpha["environment"], "lab");
    assert_eq!(alpha["warnings"], json!([]));
    let charlie = by_id(3).unwrap();
    let warning = charlie["warnings"][0].as_str().unwrap();
    assert!(
        warning.starts_with("every active GDAP relationship ends within 30 days (last on ")
            && warning.ends_with(") and none auto-extends"),
        "{warning}"
    );
    assert_eq!(by_id(6).unwrap()["roles"], json!(["global-administrator"]));
    assert!(by_id(5).is_none(), "terminated / pending relationships are not customers");
    assert_eq!(
        doc["excluded"],
        json!([
            {"id": customer_id(2), "name": "Bravo", "source": "gdap",
             "reason": "only Microsoft-led transition (MLT_) relationships (set `include_mlt: true` to keep them)"},
            {"id": customer_id(4), "name": "Delta", "source": "gdap",
             "reason": "missing roles exchange-administrator, compliance-administrator"},
        ])
    );
    // 1 + 2 + 1 + 1 + 0 + 1 + 600 = 606 active relationships: three pages of at most 300.
    let stats = lab.stats();
    assert_eq!(stats.requests_to("graph_relationships"), 3);
    assert_eq!(stats.graph_pages_served, 3);
    assert_eq!(stats.tokens_for(PARTNER, "https://graph.microsoft.com"), 1);
    assert_eq!(stats.violations_total(), 0);

    // include_mlt keeps Bravo; without require_roles Delta is in too.
    profile(&lab, "", &gdap_source("    include_mlt: true\n"), "");
    let doc = tenants_json(&lab, &[]);
    assert_eq!(doc["tenants"].as_array().unwrap().len(), 605);
    assert_eq!(doc["excluded"], json!([]));
}

#[test]
fn throttled_graph_pages_are_retried_after_retry_after() {
    let lab = Lab::start(EmulatorConfig {
        partners: vec![PartnerConfig { generated_customers: 650, ..partner(vec![]) }],
        graph_throttle_every: 2,
        retry_after_secs: 0,
        ..EmulatorConfig::default()
    });
    profile(&lab, "", &gdap_source(""), "");
    assert_eq!(tenants_json(&lab, &[])["tenants"].as_array().unwrap().len(), 650);
    let stats = lab.stats();
    // Pages 1, 2, 3 with a 429 before each of the last two.
    assert_eq!((stats.graph_pages_served, stats.graph_throttled), (3, 2));
    assert_eq!(stats.requests_to("graph_relationships"), 5);
}

#[test]
fn tenants_entries_override_and_sources_unite_tags_in_profile_order() {
    let lab = lab_with(vec![partner(vec![
        customer(1, "Alpha", vec![rel("active", &[EXO, CC])]),
        customer(2, "Bravo", vec![rel("active", &[READER])]),
        customer(3, "Charlie", vec![rel("active", &[EXO, CC])]),
    ])]);
    let csv = format!(
        "id,name,tags,identity,environment\n{},Alpha From File,file;vip,other,\n{},,file,,\nextra.example.com,\"Extra, Inc\",file,,\n",
        customer_id(1),
        customer_id(3)
    );
    std::fs::write(lab.path("customers.csv"), csv).unwrap();
    let sources = format!(
        "{}  extra:\n    kind: file\n    path: customers.csv\n    tags: [csv]\n",
        gdap_source("    require_roles: [exchange-administrator]\n    tags: [gdap]\n    tenant_defaults: { identity: other }\n")
    );
    let explicit = format!(
        "  - id: {}\n    name: Charlie Override\n    tags: [vip]\n  - id: {}\n    tags: [kept]\n  - id: own.example.com\n",
        customer_id(3),
        customer_id(2)
    );
    profile(&lab, "", &sources, &explicit);
    let doc = tenants_json(&lab, &[]);
    let rows: Vec<serde_json::Value> = doc["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json!([t["id"], t["name"], t["source"], t["identity"], t["tags"]]))
        .collect();
    assert_eq!(
        rows,
        [
            // The first source in profile order wins; tags of both are united.
            json!([customer_id(1), "Alpha", "gdap", "other", ["gdap", "csv", "file", "vip"]]),
            // Excluded by gdap (missing role) but listed under tenants: it runs, with a warning.
            json!([customer_id(2), null, "tenants", "app", ["kept"]]),
            // The tenants: entry overrides the fields it writes; tags unite.
            json!([customer_id(3), "Charlie Override", "gdap", "other", ["gdap", "csv", "file", "vip"]]),
            json!(["extra.example.com", "Extra, Inc", "extra", "app", ["csv", "file"]]),
            json!(["own.example.com", null, "tenants", "app", []]),
        ]
    );
    assert_eq!(
        doc["tenants"][1]["warnings"],
        json!([
            "listed under `tenants:` although source `gdap` left it out: missing role exchange-administrator"
        ])
    );
    assert_eq!(doc["excluded"], json!([]));

    // Source tags select; sharding applies after discovery, over the same id order.
    assert_eq!(
        ids(&tenants_json(&lab, &["-t", "tag:csv", "-t", "!tag:gdap"]), "tenants"),
        ["extra.example.com"]
    );
    let all = ids(&doc, "tenants");
    let mut union = Vec::new();
    for i in 1..=3 {
        let shard = ids(&tenants_json(&lab, &["--shard", &format!("{i}/3")]), "tenants");
        for id in &shard {
            assert_eq!(tenantrun::planner::Shard::of(id, 3), i, "{id}");
        }
        union.extend(shard);
    }
    union.sort();
    assert_eq!(union, all);
}

#[test]
fn csv_rows_with_errors_are_located_and_stop_before_graph() {
    let lab = lab_with(vec![partner(vec![customer(1, "Alpha", vec![rel("active", &[EXO, CC])])])]);
    std::fs::write(
        lab.path("customers.csv"),
        "id,name,tags,identity,environment\r\ngood.example.com,Good,,,\r\ncontoso,Bad id,,,\r\nx.example.com,X,,nobody,\r\ny.example.com,\"Y\",bad tag,,\r\n",
    )
    .unwrap();
    profile(&lab, "", "  extra:\n    kind: file\n    path: customers.csv\n", "");
    let out = lab.run(&["tenants", "profile.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "error: `contoso` is not a tenant id",
        "customers.csv:3:1",
        "error: unknown identity `nobody`",
        "customers.csv:4:1",
        "error: tag `bad tag` cannot be selected with `-t tag:NAME`",
        "customers.csv:5:1",
        "3 problems found",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in\n{stderr}");
    }
    assert!(!stderr.contains("customers.csv:2:"), "{stderr}");
    assert_eq!(out.stdout, b"");

    // A missing file is a source that cannot be read: exit 1, naming it.
    std::fs::remove_file(lab.path("customers.csv")).unwrap();
    let out = lab.run(&["tenants", "profile.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: tenant source `extra` (file): cannot read "), "{stderr}");
}

#[test]
fn graph_refusals_stop_run_and_tenants_before_any_tenant() {
    let denied = PartnerConfig {
        permission_denied: true,
        ..partner(vec![customer(1, "A", vec![rel("active", &[EXO])])])
    };
    let lab = lab_with(vec![denied]);
    profile(&lab, "", &gdap_source(""), "  - id: own.example.com\n");
    for args in
        [&["tenants", "profile.yaml"][..], &["run", "profile.yaml", "-o", "out"], &["plan", "profile.yaml"]]
    {
        let out = lab.run(args);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.lines().next().unwrap_or_default(),
            "error: tenant source `gdap` (gdap): Microsoft Graph answered 403 Authorization_RequestDenied: \
             Insufficient privileges to complete the operation. (hint: identity `app` needs the Microsoft Graph \
             permission DelegatedAdminRelationship.Read.All in partner.onmicrosoft.com (an application permission \
             with admin consent, or a partner admin signed in with a delegated identity))",
            "{args:?}"
        );
    }
    assert!(!lab.path("out").exists(), "no run directory for a run that could not start");
    let stats = lab.stats();
    assert_eq!(stats.graph_denied, 3);
    assert_eq!(stats.requests_to("invoke_command"), 0);

    // A token for another audience: Graph answers 401; the client renews once, then stops.
    let lab = lab_with(vec![]);
    profile(&lab, "    resource_graph: https://outlook.office365.com\n", &gdap_source(""), "");
    let out = lab.run(&["tenants", "profile.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: tenant source `gdap` (gdap): Microsoft Graph answered 401 InvalidAuthenticationToken: Access token \
             validation failure. Invalid audience. (hint: Graph refused the token of identity `app`"
        ),
        "{stderr}"
    );
    assert_eq!(lab.stats().graph_unauthorized, 2);
}

#[test]
fn write_saves_a_profile_file_that_validate_accepts_and_formats_agree() {
    let lab = lab_with(vec![partner(vec![
        customer(1, "Alpha: \"quoted\", yes", vec![rel("active", &[EXO, CC])]),
        customer(2, "=HYPERLINK(1)", vec![rel("active", &[EXO, CC])]),
    ])]);
    profile(&lab, "", &gdap_source("    tags: [gdap]\n"), "");
    let out = lab.run(&["tenants", "profile.yaml", "--write", "snapshot.yaml", "--format", "csv"]);
    assert!(out.status.success(), "{}", show(&out));
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        csv,
        format!(
            "\u{feff}id,name,tags,source,identity,environment,roles,warnings,excluded\n\
             {},\"Alpha: \"\"quoted\"\", yes\",gdap,gdap,app,lab,compliance-administrator;exchange-administrator,,\n\
             {},'=HYPERLINK(1),gdap,gdap,app,lab,compliance-administrator;exchange-administrator,,\n",
            customer_id(1),
            customer_id(2)
        )
    );
    let written = std::fs::read_to_string(lab.path("snapshot.yaml")).unwrap();
    assert!(
        written.starts_with("# Tenants resolved by `tenantrun tenants` from tenant sources gdap on "),
        "{written}"
    );
    // The snapshot next to the profile: validate accepts the merged profile, and the
    // tenants (names included) are those the sources reported.
    let out = lab.run(&["validate", "--merge", "profile.yaml", "snapshot.yaml"]);
    assert!(out.status.success(), "{}\n{written}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("(2 files, 2 tenants,"), "{}", show(&out));
    let out = lab.run(&["tenants", "profile.yaml", "--format", "yaml"]);
    assert!(out.status.success(), "{}", show(&out));
    let yaml: serde_json::Value = serde_saphyr::from_slice(&out.stdout).unwrap();
    assert_eq!(yaml, tenants_json(&lab, &[]));
    // The snapshot's entries alone (no sources) give the same tenants.
    profile(&lab, "", "", &indent_tenants(&written));
    let doc = tenants_json(&lab, &[]);
    let names: Vec<&str> =
        doc["tenants"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alpha: \"quoted\", yes", "=HYPERLINK(1)"]);
    assert_eq!(doc["tenants"][0]["source"], "tenants");
    assert_eq!(doc["tenants"][0]["tags"], json!(["gdap"]));
}

/// The `tenants:` list of a written snapshot, as lines under `tenants:`.
fn indent_tenants(written: &str) -> String {
    let start = written.find("tenants:\n").map(|i| i + "tenants:\n".len()).unwrap_or(0);
    written[start..].to_string()
}

#[test]
fn contracts_list_customers_and_match_tenants_by_domain() {
    let mut alpha = customer(1, "Alpha", vec![]);
    alpha.default_domain_name = Some("alpha.example.com".into());
    let mut bravo = customer(2, "Bravo", vec![]);
    bravo.contract = false;
    let lab = lab_with(vec![partner(vec![alpha, bravo, customer(3, "Charlie", vec![])])]);
    let sources = format!(
        "  legacy:\n    kind: contracts\n    identity: app\n    partner_tenant: {PARTNER}\n    tags: [dap]\n"
    );
    profile(&lab, "", &sources, "  - id: alpha.example.com\n    name: Alpha Ltd\n");
    let doc = tenants_json(&lab, &[]);
    let rows: Vec<serde_json::Value> = doc["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json!([t["id"], t["name"], t["source"], t["tags"]]))
        .collect();
    assert_eq!(
        rows,
        [
            json!([customer_id(3), "Charlie", "legacy", ["dap"]]),
            json!(["alpha.example.com", "Alpha Ltd", "legacy", ["dap"]]),
        ]
    );
    assert_eq!(lab.stats().requests_to("graph_contracts"), 1);
}
