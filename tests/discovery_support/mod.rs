//! Helpers for the tenant-source tests: a lab emulator with partners, and a profile
//! whose environment `lab` (Graph included) points at it.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use tenantrun::emulator::{CustomerConfig, EmulatorConfig, PartnerConfig, RelationshipConfig};

pub use crate::run_support::*;

pub const PARTNER: &str = "partner.onmicrosoft.com";
pub const EXO: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
pub const CC: &str = "17315797-102d-40b4-93e0-432062caca18";
pub const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";

/// The GUID of test customer `n`.
pub fn customer_id(n: u32) -> String {
    format!("00000000-0000-4000-8000-0000000000{n:02x}")
}

pub fn rel(status: &str, roles: &[&str]) -> RelationshipConfig {
    RelationshipConfig {
        status: status.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ..RelationshipConfig::default()
    }
}

pub fn customer(n: u32, name: &str, relationships: Vec<RelationshipConfig>) -> CustomerConfig {
    CustomerConfig {
        tenant_id: customer_id(n),
        display_name: name.into(),
        relationships,
        ..CustomerConfig::default()
    }
}

pub fn partner(customers: Vec<CustomerConfig>) -> PartnerConfig {
    PartnerConfig { tenant: PARTNER.into(), customers, ..PartnerConfig::default() }
}

pub fn lab_with(partners: Vec<PartnerConfig>) -> Lab {
    Lab::start(EmulatorConfig { partners, ..EmulatorConfig::default() })
}

/// `profile.yaml` on the lab: identity `app` (the emulator's app) and `other`, the
/// `tenant_sources:` and `tenants:` given (YAML indented by 2), one command list.
pub fn profile(lab: &Lab, env_extra: &str, sources: &str, tenants: &str) -> PathBuf {
    let b = &lab.base;
    let text = format!(
        "version: 1\nenvironments:\n  lab:\n    authority: {b}/login\n    exchange: {b}/exchange\n    \
         compliance: {b}/compliance\n    compliance_region: {b}/region/{{region}}\n    graph: {b}/graph\n{env_extra}\
         identities:\n  app:\n    kind: client_secret\n    client_id: {CLIENT_ID}\n    client_secret: {{ env: EMU_SECRET }}\n  \
         other:\n    kind: client_secret\n    client_id: {CLIENT_ID}\n    client_secret: {{ env: EMU_SECRET }}\n\
         defaults:\n  environment: lab\n  identity: app\ntenant_sources:\n{sources}tenants:\n{tenants}\
         commands:\n  labels:\n    - Get-Label\n"
    );
    let path = lab.path("profile.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `gdap` source of the test partner, with `extra` lines (indented by 4).
pub fn gdap_source(extra: &str) -> String {
    format!("  gdap:\n    kind: gdap\n    identity: app\n    partner_tenant: {PARTNER}\n{extra}")
}

/// `tenantrun tenants ... --format json`, parsed; panics unless it succeeded.
pub fn tenants_json(lab: &Lab, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["tenants", "profile.yaml", "--format", "json"];
    all.extend_from_slice(args);
    let out = lab.run(&all);
    assert!(out.status.success(), "{}", show(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn ids(doc: &serde_json::Value, key: &str) -> Vec<String> {
    doc[key].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect()
}
