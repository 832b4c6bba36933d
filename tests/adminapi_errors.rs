//! The live service's error bodies (issue #17, SPEC §4 "Errors"), end to end: the fixtures of
//! `tests/fixtures/exo_errors/` served over a socket to the real binary must give the
//! specific message and the exception type on the journal line (or, for the 403 of NUL
//! bytes, the `x-ms-diagnostics` text and the likely cause), and the emulator must answer the
//! same requests in the same shapes, giving the same journal lines.
#![allow(clippy::unwrap_used)]

use crate::emulator_support;
use crate::fixture_server;
use crate::run_support;

use fixture_server::{
    access_token_profile, assert_no_controls, exo_error_fixtures, fixture_answers, run_plain, Fixture,
    FixtureServer,
};
use run_support::{results, run_dir, show, Lab};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use tenantrun::adminapi::enum_parameters::{listed_names, QUARANTINE_TYPES};
use tenantrun::emulator::{EmulatorConfig, TenantConfig};

const OK_TENANT: &str = "contoso.onmicrosoft.com";
const ROLELESS: &str = "roleless.onmicrosoft.com";

/// One command list per cmdlet fixture, on the exchange front door.
fn commands(fixtures: &[Fixture]) -> String {
    let mut text = String::new();
    for f in fixtures.iter().filter(|f| f.request["cmdlet"].is_string()) {
        text.push_str(&format!(
            "  {}:\n    - cmdlet: {}\n      service: exchange\n      parameters: {}\n",
            f.name,
            f.request["cmdlet"].as_str().unwrap(),
            f.request["parameters"]
        ));
    }
    text
}

/// The expected `error` of (tenant, command list): the role fixture for every step of the
/// roleless tenant, else the command list's own fixture.
fn expected<'a>(fixtures: &'a [Fixture], tenant: &str, command: &str) -> &'a Fixture {
    let name = if tenant == ROLELESS { "missing_role" } else { command };
    fixtures.iter().find(|f| f.name == name).unwrap()
}

/// Every journal line's `error` equals its fixture's `expect`, exactly; one line per
/// (tenant, cmdlet fixture).
fn assert_journal_matches(run: &std::path::Path, fixtures: &[Fixture]) {
    let lines = results(run);
    let cmdlet_fixtures = fixtures.iter().filter(|f| f.request["cmdlet"].is_string()).count();
    assert_eq!(lines.len(), 2 * cmdlet_fixtures, "{lines:#?}");
    for line in &lines {
        let (tenant, command) = (line["tenant"].as_str().unwrap(), line["command"].as_str().unwrap());
        let f = expected(fixtures, tenant, command);
        assert_eq!(line["status"], "failed", "{line}");
        assert_eq!(line["error"], f.expect, "{tenant} {command} ({}):\n{line:#}", f.name);
        assert_ne!(line["error"]["message"], "Invalid Operation");
    }
}

#[test]
fn three_fixture_shapes_land_in_the_journal_with_message_and_type() {
    let fixtures = exo_error_fixtures();
    assert_eq!(
        fixtures.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["invalid_enum", "missing_role", "unknown_parameter"]
    );
    let server = FixtureServer::start(fixture_answers(fixtures.clone()));
    let dir = tempfile::tempdir().unwrap();
    let profile =
        access_token_profile(dir.path(), &server.base, &[OK_TENANT, ROLELESS], &commands(&fixtures));
    let (o, run) = run_plain(dir.path(), &profile);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_journal_matches(&run, &fixtures);
    // The server saw what the fixtures describe: 2 tenants × 2 cmdlet steps, one try each.
    let invokes = server.requests().into_iter().filter(|r| r.path.ends_with("/InvokeCommand")).count();
    assert_eq!(invokes, 4);
    for (what, text) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        assert_no_controls(what, text);
    }
    // The summary names the exception type with the group, and the whole message.
    let words = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("Get-QuarantineMessage (cmdlet, ParameterTransformationException) in contoso"),
        "{stdout}"
    );
    assert!(words.contains("valid enumerator names: Spam, TransportRule, Bulk,"), "{stdout}");
}

/// The set of key paths of a JSON value (`error.innererror.internalexception.type`, ...).
fn key_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                out.insert(p.clone());
                key_paths(x, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                key_paths(x, &format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn roleless_config() -> EmulatorConfig {
    EmulatorConfig {
        tenants: vec![TenantConfig {
            id: ROLELESS.into(),
            lacks_exchange_role: true,
            ..TenantConfig::default()
        }],
        ..EmulatorConfig::default()
    }
}

#[tokio::test]
async fn the_emulator_answers_the_fixture_requests_in_the_same_shapes() {
    let fixtures = exo_error_fixtures();
    let emu = emulator_support::start(roleless_config()).await;
    for f in &fixtures {
        let (tenant, cmdlet, params) = match f.request["cmdlet"].as_str() {
            Some(c) => (OK_TENANT, c, f.request["parameters"].clone()),
            None => (ROLELESS, "Get-QuarantineMessage", json!({})),
        };
        let token = emu.app_token(tenant, emulator_support::EXCHANGE).await;
        let a = emu.invoke("exchange/", tenant, &token, cmdlet, params).await;
        assert_eq!(a.status, f.answer.status, "{}: {:?}", f.name, a.body);
        if f.name == "missing_role" {
            let expected_len = f.answer.body.len();
            assert_eq!(a.body, Value::String("\0".repeat(expected_len)), "{}", f.name);
            let diagnostics = &f.answer.headers.iter().find(|(k, _)| k == "x-ms-diagnostics").unwrap().1;
            assert_eq!(a.header("x-ms-diagnostics").map(str::as_bytes), Some(diagnostics.as_slice()));
            continue;
        }
        let fixture_body: Value = serde_json::from_slice(&f.answer.body).unwrap();
        let (mut theirs, mut ours) = (BTreeSet::new(), BTreeSet::new());
        key_paths(&fixture_body, "", &mut theirs);
        key_paths(&a.body, "", &mut ours);
        assert_eq!(ours, theirs, "{}: the emulator's body has another shape:\n{:#}", f.name, a.body);
        assert_eq!(a.body["error"]["message"], "Invalid Operation");
        assert_eq!(a.body, fixture_body, "{}: the emulator says what the fixture says", f.name);
    }
}

#[test]
fn the_emulator_gives_the_same_journal_lines_through_the_binary() {
    let fixtures = exo_error_fixtures();
    let lab = Lab::start(roleless_config());
    let p = lab.profile(&[OK_TENANT.to_string(), ROLELESS.to_string()], &commands(&fixtures), "");
    let o = lab.run(&["run", p.to_str().unwrap(), "-o", "runs", "--progress", "none"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert_journal_matches(&run_dir(&lab, &o), &fixtures);
    assert_no_controls("stdout", &o.stdout);
    assert_no_controls("stderr", &o.stderr);
}

/// The names `validate` knows for `-QuarantineTypes` are those the live shape's 400 lists.
#[test]
fn the_known_enumeration_names_are_those_the_400_lists() {
    let fixtures = exo_error_fixtures();
    let f = fixtures.iter().find(|f| f.name == "invalid_enum").unwrap();
    let listed = listed_names(f.expect["message"].as_str().unwrap()).unwrap();
    assert_eq!(listed, QUARANTINE_TYPES.names);
}

#[test]
fn validate_and_plan_check_hint_the_valid_names_of_an_enumeration_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.yaml");
    std::fs::write(
        &profile,
        "version: 1\ndefaults:\n  environment: emulator\n  service: exchange\ntenants:\n  - id: contoso.onmicrosoft.com\n\
         commands:\n  quarantine:\n    - cmdlet: Get-QuarantineMessage\n      parameters: { QuarantineTypes: [Spam, Phsh] }\n",
    )
    .unwrap();
    let expected = "warning: `Phsh` is not a value of Get-QuarantineMessage -QuarantineTypes
 ——▶ p.yaml:9:15
  │
9 │     - cmdlet: Get-QuarantineMessage
  │               ^^^^^^^^^^^^^^^^^^^^^
  = hint: did you mean `Phish`? -QuarantineTypes takes: Spam, TransportRule, Bulk, Phish, HighConfPhish, \
Malware, SPOMalware, DataLossPrevention, FileTypeBlock, AdminTriggered, PPI
";
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tenantrun"))
            .current_dir(dir.path())
            .env("TENANTRUN_CACHE_DIR", dir.path().join("cache"))
            .args(args)
            .output()
            .unwrap()
    };
    let v = run(&["validate", "p.yaml"]);
    assert_eq!(v.status.code(), Some(0), "{}", show(&v));
    assert_eq!(String::from_utf8_lossy(&v.stderr).trim_end(), expected.trim_end());
    let p = run(&["plan", "p.yaml", "--check"]);
    assert_eq!(p.status.code(), Some(0), "{}", show(&p));
    assert_eq!(String::from_utf8_lossy(&p.stderr).trim_end(), expected.trim_end());
    // A valid value draws no warning.
    std::fs::write(&profile, std::fs::read_to_string(&profile).unwrap().replace("Phsh", "phish")).unwrap();
    let v = run(&["validate", "p.yaml"]);
    assert_eq!((v.status.code(), v.stderr.len()), (Some(0), 0), "{}", show(&v));
}
