//! The committed JSON Schema is current, agrees with the checker, and every
//! shipped profile passes both the schema and `tenantrun validate`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use tenantrun::profile::check::{commands, document, exemption, expect, identity, source, tenant};
use tenantrun::profile::syntax::{toml_tree, yaml, Source};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn committed_schema() -> Value {
    let text = std::fs::read_to_string(root().join("schemas/profile.schema.json")).expect("read schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

#[test]
fn committed_schema_is_current() {
    let out = Command::new(env!("CARGO_BIN_EXE_tenantrun")).arg("schema").output().expect("run");
    assert!(out.status.success());
    let committed = std::fs::read_to_string(root().join("schemas/profile.schema.json")).expect("read");
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "schemas/profile.schema.json is stale: run `cargo run -- schema > schemas/profile.schema.json`"
    );
}

/// Every profile file shipped: profiles/** (profile folders) and examples/*.{yaml,yml,toml}.
fn shipped_profiles() -> Vec<PathBuf> {
    fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() && recursive {
                walk(&path, true, out);
            } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "toml")) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("profiles"), true, &mut out);
    walk(&root().join("examples"), false, &mut out);
    out.sort();
    out
}

fn as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read profile");
    let source = Source::new(path.to_path_buf(), text);
    let node = if path.extension().is_some_and(|e| e == "toml") {
        toml_tree::parse(&source.text, &source.lines).expect("valid TOML")
    } else {
        yaml::parse(&source.text).expect("valid YAML")
    };
    node.value.to_json()
}

#[test]
fn every_shipped_profile_passes_the_schema() {
    let schema = committed_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let files = shipped_profiles();
    assert!(files.len() >= 10, "{files:?}");
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let first = text.lines().next().unwrap_or_default();
        let is_toml = file.extension().is_some_and(|e| e == "toml");
        let schema_comment = if is_toml { "#:schema " } else { "# yaml-language-server: $schema=" };
        if !first.starts_with(schema_comment) || !first.ends_with("schemas/profile.schema.json") {
            failures.push(format!("{}: first line must be the schema comment, is `{first}`", file.display()));
        } else {
            let rel = first.rsplit(['=', ' ']).next().unwrap_or_default();
            let target = file.parent().expect("parent").join(rel);
            if !target.exists() {
                failures.push(format!(
                    "{}: schema comment points at missing {}",
                    file.display(),
                    target.display()
                ));
            }
        }
        let instance = as_json(file);
        for error in validator.iter_errors(&instance) {
            failures.push(format!("{}: {} at {}", file.display(), error, error.instance_path));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn schema_rejects_what_validate_rejects() {
    let schema = committed_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for bad in [
        serde_json::json!({"version": 2}),
        serde_json::json!({"version": 1, "tenant": []}),
        serde_json::json!({"version": 1, "tenants": [{"id": "contoso"}]}),
        serde_json::json!({"version": 1, "identities": {"a": {"kind": "client_secret", "client_id": "3b9a7c44-0000-4000-8000-000000000001", "client_secret": "inline"}}}),
        serde_json::json!({"version": 1, "identities": {"a": {"kind": "certficate"}}}),
        serde_json::json!({"version": 1, "defaults": {"timeout": "10x"}}),
        serde_json::json!({"version": 1, "commands": {"l": ["Get Label"]}}),
        serde_json::json!({"version": 1, "commands": {"l": [{"cmdlet": "Get-Label", "expect": [{"id": "A"}]}]}}),
        serde_json::json!({"version": 1, "commands": {"l": [{"cmdlet": "Get-Label", "expect": [{"id": "A", "all": {"X": 1}, "none": {"X": 2}}]}]}}),
        serde_json::json!({"version": 1, "commands": {"l": [{"cmdlet": "Get-Label", "expect": [{"id": "A", "all": {"X": {"exist": true}}}]}]}}),
        serde_json::json!({"version": 1, "exemptions": [{"check": "A", "reason": "r", "expires": "next year"}]}),
        serde_json::json!({"version": 1, "exemptions": [{"check": "A", "expires": "2027-01-01"}]}),
    ] {
        assert!(!validator.is_valid(&bad), "schema accepted {bad}");
    }
}

#[test]
fn shipped_profiles_pass_tenantrun_validate() {
    let out = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(root())
        .args(["validate", "profiles/", "examples/"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, String::from_utf8_lossy(&out.stderr));
    for folder in [
        "app-only-certificate",
        "csp-gdap",
        "gcc-high",
        "dod",
        "china",
        "eop-standalone",
        "device-code",
        "gitops",
        "csp-gdap-discovery",
    ] {
        assert!(stdout.contains(&format!("ok: profiles/{folder} (")), "{folder} not checked:\n{stdout}");
    }
    assert!(stdout.contains("ok: examples/ (2 files, 10 tenants"), "{stdout}");
}

/// The keys the checker accepts are exactly the schema's properties.
#[test]
fn checker_and_schema_agree_on_keys() {
    let schema = committed_schema();
    let props = |v: &Value| -> Vec<String> {
        let mut keys: Vec<String> =
            v["properties"].as_object().expect("properties").keys().cloned().collect();
        keys.sort();
        keys
    };
    let sorted = |keys: &[&str]| -> Vec<String> {
        let mut k: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
        k.sort();
        k
    };
    let defs = &schema["$defs"];
    assert_eq!(props(&schema), sorted(document::TOP_KEYS));
    assert_eq!(props(&defs["EnvironmentDoc"]), sorted(document::ENVIRONMENT_KEYS));
    assert_eq!(props(&defs["DefaultsDoc"]), sorted(document::DEFAULTS_KEYS));
    assert_eq!(props(&defs["TenantDoc"]), sorted(tenant::TENANT_KEYS));
    assert_eq!(props(&defs["StepSpecDoc"]), sorted(commands::STEP_KEYS));
    assert_eq!(props(&defs["CertificateDoc"]), sorted(identity::CERTIFICATE_KEYS));
    assert_eq!(props(&defs["ExpectationDoc"]), sorted(expect::EXPECT_KEYS));
    assert_eq!(props(&defs["OperatorsDoc"]), sorted(tenantrun::expect::Operator::NAMES));
    assert_eq!(props(&defs["CountRangeDoc"]), sorted(expect::COUNT_KEYS));
    assert_eq!(props(&defs["ExemptionDoc"]), sorted(exemption::EXEMPTION_KEYS));
    assert_eq!(props(&defs["TenantDefaultsDoc"]), sorted(source::TENANT_DEFAULTS_KEYS));
    let sources = defs["TenantSourceDoc"]["oneOf"].as_array().expect("tenant source variants");
    assert_eq!(sources.len(), source::SOURCE_KINDS.len());
    for variant in sources {
        let kind = variant["properties"]["kind"]["const"].as_str().expect("kind const");
        let (_, keys) =
            source::SOURCE_KINDS.iter().find(|(k, _)| *k == kind).expect("kind known to the checker");
        let mut expected = sorted(keys);
        expected.push("kind".into());
        expected.sort();
        assert_eq!(props(variant), expected, "tenant source kind {kind}");
    }
    let variants = defs["IdentityDoc"]["oneOf"].as_array().expect("identity variants");
    assert_eq!(variants.len(), identity::KINDS.len());
    for variant in variants {
        let kind = variant["properties"]["kind"]["const"].as_str().expect("kind const");
        let (_, keys) = identity::KINDS.iter().find(|(k, _)| *k == kind).expect("kind known to the checker");
        let mut expected = sorted(keys);
        expected.push("kind".into());
        expected.sort();
        assert_eq!(props(variant), expected, "kind {kind}");
    }
}
