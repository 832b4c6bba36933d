//! Exports of hostile items (issue #9 items 7 and 8, SPEC §9), through the real binary over
//! a socket: a server answers objects whose values and property names would run as
//! spreadsheet formulas, and whose own `tenant`/`tenant_name` would overwrite ours. The CSV
//! starts with a UTF-8 byte order mark, every risky cell and column name carries a leading
//! `'`, numbers stay numbers; JSON and JSON Lines keep the values and rename the item's
//! clashing properties `item.tenant`/`item.tenant_name`.
#![allow(clippy::unwrap_used)]

use crate::fixture_server;

use fixture_server::{access_token_profile, Answer, FixtureServer};
use serde_json::{json, Value};
use std::process::Command;

const TENANT: &str = "contoso.onmicrosoft.com";

fn hostile_items() -> Value {
    json!({"value": [
        {
            "Name": "=HYPERLINK(\"http://evil.example\",\"open\")",
            "Plus": "+1+cmd",
            "Minus": "-2+3",
            "Negative": "-12.5",
            "Number": -7,
            "At": "@SUM(A1)",
            "Tab": "\tx",
            "Cr": "\rx",
            "Plain": "ok",
            "tenant": "theirs.example",
            "tenant_name": "Their name",
            "=cmd|' /C calc'!A0": "y"
        },
        {"Name": "second", "item.tenant": "already prefixed"}
    ]})
}

#[test]
fn csv_cells_that_would_run_as_formulas_are_quoted_and_item_tenant_is_renamed() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start(|_| Answer::json(200, &hostile_items()));
    let commands = "  hostile:\n    - cmdlet: Get-Mailbox\n      service: exchange\n";
    let profile = access_token_profile(dir.path(), &server.base, &[TENANT], commands);
    let out = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(dir.path())
        .env("FIXTURE_TOKEN", "opaque-fixture-token")
        .env("TENANTRUN_CACHE_DIR", dir.path().join("cache"))
        .env_remove("TENANTRUN_LOG")
        .args(["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"])
        .args(["--format", "csv,json,jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let run = std::fs::read_dir(dir.path().join("runs")).unwrap().flatten().next().unwrap().path();

    let csv = std::fs::read_to_string(run.join("csv/hostile.0.csv")).unwrap();
    let expected = concat!(
        "\u{feff}tenant,tenant_name,Name,Plus,Minus,Negative,Number,At,Tab,Cr,Plain,",
        "item.tenant,item.tenant_name,'=cmd|' /C calc'!A0,item.item.tenant\n",
        "contoso.onmicrosoft.com,,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"open\"\")\",'+1+cmd,'-2+3,-12.5,-7,",
        "'@SUM(A1),'\tx,\"'\rx\",ok,theirs.example,Their name,y,\n",
        "contoso.onmicrosoft.com,,second,,,,,,,,,,,,already prefixed\n",
    );
    assert_eq!(csv, expected);

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("json/hostile.0.json")).unwrap()).unwrap();
    let first = json[0].as_object().unwrap();
    assert_eq!(first.keys().take(2).collect::<Vec<_>>(), ["tenant", "tenant_name"]);
    assert_eq!(first["tenant"], TENANT);
    assert_eq!(first["tenant_name"], Value::Null);
    assert_eq!(first["item.tenant"], "theirs.example");
    assert_eq!(first["item.tenant_name"], "Their name");
    assert_eq!(
        first["Name"], "=HYPERLINK(\"http://evil.example\",\"open\")",
        "JSON keeps values as they came"
    );
    assert_eq!(json[1]["item.item.tenant"], "already prefixed");
    assert_eq!(json[1]["tenant"], TENANT);

    let lines: Vec<Value> = std::fs::read_to_string(run.join("jsonl/hostile.0.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, json.as_array().unwrap().clone());
}
