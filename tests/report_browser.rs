//! The HTML report in a real browser: headless Chromium (Debian's `chromium`) driven over
//! the DevTools protocol by puppeteer-core (tests/browser, installed with `npm ci` from
//! the committed lockfile), loading the page from disk. Checks the DOM (every tenant id
//! and name, failing check ids, failure groups), drives the filters and a tenant page,
//! proves planted `<img onerror>` markup stayed text, and saves a screenshot under target/.
#![allow(clippy::unwrap_used)]

use crate::report_support;

use report_support::{mixed_run, Scratch, PLANTED_IDENTITY, PLANTED_NAME};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};

#[path = "browser/peer.rs"]
mod peer;

/// Load `report` in headless Chromium; what the page showed and did.
pub fn observe(report: &Path, screenshot: &Path) -> Value {
    peer::ready().unwrap_or_else(|e| panic!("the browser test: {e}"));
    let out = Command::new("node")
        .arg(peer::dir().join("check_report.mjs"))
        .arg(report)
        .arg(screenshot)
        .arg(peer::CHROMIUM)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "browser peer failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_report_opens_from_disk_shows_every_tenant_filters_and_keeps_planted_markup_as_text() {
    let s = Scratch::new();
    let run = mixed_run(&s);
    let report = run.join("report.html");
    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser.png");
    let _ = std::fs::remove_file(&screenshot);
    let seen = observe(&report, &screenshot);

    // Nothing but the file itself was requested; the script ran without errors.
    let url = format!("file://{}", report.display());
    assert_eq!(seen["requests"], json!([url]));
    assert_eq!(seen["console_errors"], json!([]));
    assert_eq!(seen["page_errors"], json!([]));
    let run_id = run.file_name().unwrap().to_str().unwrap();
    assert_eq!(seen["run_id"], run_id);
    assert_eq!(seen["title"], format!("tenantrun report {run_id}"));

    assert_eq!(
        seen["tenants"],
        json!([
            {"id": "contoso.onmicrosoft.com", "name": " (Contoso)", "status": "failed",
             "cells": ["ok ⚑1", "failed"], "flagged": [true, false]},
            {"id": "fabrikam.onmicrosoft.com", "name": format!(" ({PLANTED_NAME})"), "status": "failed",
             "cells": ["ok ⚑1", "failed"], "flagged": [true, false]},
            {"id": "litware.onmicrosoft.com", "name": null, "status": "failed",
             "cells": ["ok", "failed"], "flagged": [false, false]},
        ])
    );
    assert_eq!(seen["shown"], "3 tenants");
    let message = format!(
        "The operation couldn't be performed because object '{PLANTED_IDENTITY}' couldn't be found on \
         'AM6PR02A008DC01.EURPRD02.PROD.OUTLOOK.COM'."
    );
    assert_eq!(
        seen["groups"],
        json!([{"cmdlet": "Get-Mailbox", "kind": "http", "message": message,
                "tenants": ["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com", "litware.onmicrosoft.com"]}])
    );
    assert_eq!(seen["failing_checks"], json!(["LBL-01"]));
    assert_eq!(
        seen["checks"],
        json!([
            ["LBL-01", "high", "No more than zero labels", "labels[0] Get-Label", "0", "2", "0", "1"],
            ["LBL-02", "medium", "Some label exists", "labels[0] Get-Label", "3", "0", "0", "0"],
            ["MBX-01", "medium", "", "broken[0] Get-Mailbox", "0", "0", "3", "0"],
        ])
    );
    assert_eq!(
        seen["filtered"],
        json!({
            "text": ["fabrikam.onmicrosoft.com"],
            "tag": ["litware.onmicrosoft.com"],
            "checks_failing": ["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"],
            "status_failed": ["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com", "litware.onmicrosoft.com"],
            "status_ok": [],
            "status_ok_shown": "0 of 3 tenants",
            "none": ["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com", "litware.onmicrosoft.com"],
        })
    );
    assert_eq!(
        seen["tenant_page"],
        json!({
            "id": "fabrikam.onmicrosoft.com",
            "name": format!(" ({PLANTED_NAME})"),
            "steps": [
                ["labels[0]", "ok", ""],
                ["broken[0]", "failed", format!("http 404 NotFound: {message}")],
                ["broken[1]", "ok", ""],
            ],
            "checks": [["LBL-01", "fail"], ["LBL-02", "pass"], ["MBX-01", "error"]],
        })
    );
    // The planted markup is text: no element was made of it and its handler never ran.
    assert_eq!(seen["img_elements"], 0);
    assert_eq!(seen["pwned"], Value::Null);
    let png = std::fs::read(&screenshot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "screenshot at {}",
        screenshot.display()
    );
}
