//! `tenantrun report` and `run --report` end to end on a run of the built-in emulator:
//! JUnit XML validated against the JUnit schema (tests/fixtures/junit/junit.xsd, with
//! `xmllint` from libxml2-utils) with exact counts, the exact Markdown summary, and the
//! HTML page's self-containment and escaping (its DOM is tested in a real browser by
//! report_browser.rs).

#![allow(clippy::unwrap_used)]

use crate::report_support;

use report_support::{mixed_run, redact, Scratch, PLANTED_IDENTITY, PLANTED_NAME};
use std::path::Path;
use std::process::Command;

fn xmllint(args: &[&str]) -> std::process::Output {
    Command::new("xmllint").args(args).output().unwrap_or_else(|e| {
        panic!("the JUnit schema test needs xmllint (Debian: apt-get install libxml2-utils): {e}")
    })
}

fn xpath(file: &Path, expr: &str) -> String {
    let out = xmllint(&["--xpath", expr, file.to_str().unwrap()]);
    assert!(out.status.success(), "{expr}: {}", String::from_utf8_lossy(&out.stderr));
    // xmllint ends a printed result with one newline.
    let text = String::from_utf8(out.stdout).unwrap();
    text.strip_suffix('\n').map(str::to_string).unwrap_or(text)
}

#[test]
fn junit_validates_against_the_schema_with_a_suite_per_tenant_and_exact_outcomes() {
    let s = Scratch::new();
    let run = mixed_run(&s);
    let junit = run.join("junit.xml");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit/junit.xsd");
    let valid = xmllint(&["--noout", "--schema", schema.to_str().unwrap(), junit.to_str().unwrap()]);
    assert!(valid.status.success(), "{}", String::from_utf8_lossy(&valid.stderr));

    // 3 tenants x (3 steps + 3 checks); failures: Get-Mailbox on each tenant and LBL-01 on
    // two; errors: MBX-01 (its step failed) on each; skipped: LBL-01 exempt on litware.
    assert_eq!(xpath(&junit, "count(//testsuite)"), "3");
    assert_eq!(xpath(&junit, "count(//testcase)"), "18");
    assert_eq!(xpath(&junit, "count(//testcase/failure)"), "5");
    assert_eq!(xpath(&junit, "count(//testcase/error)"), "3");
    assert_eq!(xpath(&junit, "count(//testcase/skipped)"), "1");
    for (attr, want) in [("tests", "18"), ("failures", "5"), ("errors", "3"), ("skipped", "1")] {
        assert_eq!(xpath(&junit, &format!("string(/testsuites/@{attr})")), want, "{attr}");
    }
    let fabrikam = "//testsuite[@hostname='fabrikam.onmicrosoft.com']";
    assert_eq!(
        xpath(&junit, &format!("string({fabrikam}/@name)")),
        format!("fabrikam.onmicrosoft.com ({PLANTED_NAME})")
    );
    assert_eq!(
        xpath(&junit, &format!("string({fabrikam}/properties/property[@name='tenant_name']/@value)")),
        PLANTED_NAME
    );
    assert_eq!(
        xpath(&junit, &format!("string({fabrikam}/testcase[@name='broken[0] Get-Mailbox']/failure/@message)")),
        format!(
            "http: The operation couldn't be performed because object '{PLANTED_IDENTITY}' couldn't be found on \
             'AM6PR02A008DC01.EURPRD02.PROD.OUTLOOK.COM'."
        )
    );
    assert_eq!(
        xpath(&junit, &format!("string({fabrikam}/testcase[@name='broken[0] Get-Mailbox']/failure/@type)")),
        "http"
    );
    let litware = "//testsuite[@hostname='litware.onmicrosoft.com']";
    assert_eq!(
        xpath(
            &junit,
            &format!("string({litware}/testcase[@name='LBL-01 No more than zero labels']/skipped/@message)")
        ),
        "exempt until 2099-12-31: lab tenants keep test labels (outcome: fail)"
    );
    assert_eq!(
        xpath(&junit, &format!("string({litware}/testcase[@name='MBX-01']/error/@message)")),
        xpath(&junit, &format!("string({fabrikam}/testcase[@name='MBX-01']/error/@message)")),
    );
    // The planted markup is escaped in the file itself.
    let text = std::fs::read_to_string(&junit).unwrap();
    assert!(!text.contains("<img"), "raw markup in junit.xml");
}

const MARKDOWN: &str = "## tenantrun run `RUN_ID`

| | |
|---|---|
| Started | TIME |
| Duration | SECS |
| Profile digest | DIGEST |
| Tenants | 3 |
| Steps | 6 ok, 3 failed, 0 skipped, 0 not run |
| Checks | 3 pass, 2 fail, 3 error, 1 exempt |

### Failures (3 steps, 1 group)

1. **Get-Mailbox** (http) in 3 tenants: The operation couldn't be performed because object '&lt;img src=x onerror=window.\\_\\_pwned=2&gt;' couldn't be found on 'AM6PR02A008DC01.EURPRD02.PROD.OUTLOOK.COM'.
   - contoso.onmicrosoft.com (Contoso), fabrikam.onmicrosoft.com (&lt;img src=x onerror=window.\\_\\_pwned=1&gt;), litware.onmicrosoft.com

### Failing checks (1)

| Check | Severity | Title | Tenants failing |
|---|---|---|---|
| LBL-01 | high | No more than zero labels | 2 |
";

#[test]
fn markdown_summary_is_exact_and_report_o_writes_the_same() {
    let s = Scratch::new();
    let run = mixed_run(&s);
    let written = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert_eq!(redact(&written), MARKDOWN);
    let out = s.tenantrun(&["report", run.to_str().unwrap(), "--format", "markdown", "-o", "summary.md"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Report: summary.md\n");
    assert_eq!(std::fs::read_to_string(s.path("summary.md")).unwrap(), written);
}

#[test]
fn report_defaults_to_html_in_the_run_directory_and_refuses_o_with_two_formats() {
    let s = Scratch::new();
    let run = mixed_run(&s);
    std::fs::remove_file(run.join("report.html")).unwrap();
    let out = s.tenantrun(&["report", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Report: {}\n", run.join("report.html").display())
    );
    assert!(run.join("report.html").is_file());

    let out = s.tenantrun(&["report", run.to_str().unwrap(), "--format", "html,junit", "-o", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: -o names one file; with several --format values leave it out and each report goes to RUN_DIR\n"
    );
    let out = s.tenantrun(&["report", s.path("nothing").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("error: {}: not a run directory (", s.path("nothing").display())),
        "{err}"
    );
    assert!(err.ends_with(") (hint: pass OUT/<run-id>)\n"), "{err}");
}

#[test]
fn html_report_is_one_file_without_external_references_and_planted_markup_stays_data() {
    let s = Scratch::new();
    let run = mixed_run(&s);
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(!html.contains("<img"), "raw planted markup in the page");
    for outside in ["<link", "<script src", "http://", "https://", "@import", "url("] {
        assert!(!html.contains(outside), "external reference {outside:?}");
    }
    assert!(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
    let start = html.find("<script type=\"application/json\" id=\"run-data\">").unwrap();
    let body = &html[start..];
    let json = &body[body.find('>').unwrap() + 1..body.find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    let ids: Vec<&str> =
        data["tenants"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com", "litware.onmicrosoft.com"]);
    assert_eq!(data["tenants"][1]["name"], PLANTED_NAME);
    assert_eq!(data["commands"], serde_json::json!(["labels", "broken"]));
    assert_eq!(data["tenants"][0]["cells"], serde_json::json!([["ok", 1], ["failed", 0]]));
    assert_eq!(data["tenants"][2]["cells"], serde_json::json!([["ok", 0], ["failed", 0]]));
    assert_eq!(data["groups"].as_array().unwrap().len(), 1);
    assert_eq!(data["groups"][0]["tenants"], serde_json::json!([0, 1, 2]));
    let checks: Vec<&str> =
        data["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(checks, ["LBL-01", "LBL-02", "MBX-01"]);
}
