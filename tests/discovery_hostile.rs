//! A hostile Microsoft Graph (SPEC §9) for the tenant sources, over a real socket: an
//! `@odata.nextLink` to another origin or seen before, and error text carrying terminal
//! escape sequences. The token never leaves Graph's origin; nothing runs.
#![allow(clippy::unwrap_used)]

use crate::fixture_server;

use fixture_server::{Answer, FixtureServer};
use serde_json::json;
use std::process::Command;

const TOKEN: &str = "opaque-graph-token-for-the-hostile-test";

fn tenants(server: &FixtureServer) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let b = &server.base;
    let profile = format!(
        "version: 1\nenvironments:\n  hostile:\n    authority: {b}\n    compliance: {b}/compliance\n    graph: {b}/graph\n\
         identities:\n  handed:\n    kind: access_token\n    token: {{ env: GRAPH_TOKEN }}\n\
         defaults:\n  environment: hostile\n  identity: handed\n\
         tenant_sources:\n  gdap:\n    kind: gdap\n    identity: handed\n    partner_tenant: partner.example.com\n\
         commands:\n  labels:\n    - Get-Label\n"
    );
    std::fs::write(dir.path().join("p.yaml"), profile).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(dir.path())
        .args(["tenants", "p.yaml"])
        .env("GRAPH_TOKEN", TOKEN)
        .env("TENANTRUN_CACHE_DIR", dir.path().join("cache"))
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn page(next: &str) -> Answer {
    Answer::json(200, &json!({"value": [], "@odata.nextLink": next}))
}

#[test]
fn a_next_link_to_another_origin_or_seen_before_stops_discovery() {
    let server = FixtureServer::start(|_| page("http://127.0.0.2:9/graph/v1.0/next?$skiptoken=1"));
    let (code, stderr) = tenants(&server);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: tenant source `gdap` (gdap): @odata.nextLink points to another origin (http://127.0.0.2:9); \
         refusing to send the token there"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert!(requests[0].path.starts_with("/graph/v1.0/tenantRelationships/delegatedAdminRelationships?"));

    let base = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let link = base.clone();
    let server = FixtureServer::start(move |_| page(&format!("{}/graph/v1.0/again", link.lock().unwrap())));
    *base.lock().unwrap() = server.base.clone();
    let (code, stderr) = tenants(&server);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: tenant source `gdap` (gdap): @odata.nextLink {}/graph/v1.0/again was seen before in this listing",
            server.base
        )
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn graph_error_text_reaches_the_terminal_without_escape_sequences_or_the_token() {
    let server = FixtureServer::start(|_| {
        Answer::json(
            403,
            &json!({"error": {"code": "Authorization_RequestDenied", "message": format!("denied \u{1b}[2J\u{1b}]0;pwn\u{7} {TOKEN}")}}),
        )
    });
    let (code, stderr) = tenants(&server);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{stderr:?}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    assert!(
        stderr.starts_with("error: tenant source `gdap` (gdap): Microsoft Graph answered 403 Authorization_RequestDenied: denied "),
        "{stderr}"
    );
}
