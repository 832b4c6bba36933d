//! Terminal control sequences in server text (issue #9 item 8, SPEC §9): a server that
//! writes escape sequences (window title, screen clear, fake colours), NUL, BEL, carriage
//! returns and bidi overrides into error messages, exception types, `@adminapi.warnings`,
//! `x-ms-diagnostics` and an HTML error page reaches the real binary over a socket; no
//! control character may reach stdout, stderr, `summary.txt` or a string of `results.jsonl`,
//! and what is left is the readable text.
#![allow(clippy::unwrap_used)]

use crate::fixture_server;

use fixture_server::{access_token_profile, assert_no_controls, run_plain, Answer, FixtureServer, Request};
use serde_json::{json, Value};

/// Escape sequences and controls a hostile server mixes into its text.
const TITLE: &str = "\u{1b}]0;you have been owned\u{7}";
const CLEAR: &str = "\u{1b}[2J\u{1b}[H";
const GREEN: &str = "\u{1b}[32;1m";
const RESET: &str = "\u{1b}[0m";

fn hostile(request: &Request) -> Answer {
    match request.tenant().unwrap_or_default() {
        "warnings.example" => Answer::json(
            200,
            &json!({"value": [{"Name": "a"}], "@adminapi.warnings": [
                format!("{TITLE}{CLEAR}{GREEN}all OK{RESET}\u{0}\u{8}\u{8}"),
                "line one\r\nline two\u{202e}txt.exe",
            ]}),
        ),
        "cmdlet.example" => Answer::json(
            400,
            &json!({"error": {"code": "BadRequest\u{1b}[5m", "message": "Invalid Operation",
            "innererror": {"internalexception": {
                "message": format!("{CLEAR}The object{TITLE} was not found.\u{7}\u{0}\u{1b}P+q\u{1b}\\"),
                "type": format!("Microsoft.Exchange.{GREEN}ManagementObjectNotFoundException{RESET}"),
            }}}}),
        ),
        "nul.example" => Answer {
            status: 403,
            headers: vec![(
                "x-ms-diagnostics".into(),
                // 8-bit CSI/OSC (UTF-8 encoded: valid header bytes) around the reason.
                "2000010;reason=\"\u{9b}2Jno role\u{9d}0;title\u{9c}\"".as_bytes().to_vec(),
            )],
            body: vec![0; 300],
        },
        _ => Answer {
            status: 502,
            headers: vec![("content-type".into(), b"text/html".to_vec())],
            body: format!("<html>{CLEAR}{GREEN}Bad gateway{RESET}\u{7}</html>").into_bytes(),
        },
    }
}

/// Every string inside `v`.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            out.push(k.clone());
            strings(x, out)
        }),
        _ => {}
    }
}

#[test]
fn control_sequences_in_server_text_reach_no_output() {
    let server = FixtureServer::start(hostile);
    let dir = tempfile::tempdir().unwrap();
    let tenants = ["warnings.example", "cmdlet.example", "nul.example", "html.example"];
    let commands = "  q:\n    - cmdlet: Get-Thing\n      service: exchange\n";
    let profile = access_token_profile(dir.path(), &server.base, &tenants, commands);
    let (o, run) = run_plain(dir.path(), &profile);
    assert_eq!(o.status.code(), Some(1), "{}", fixture_server_show(&o));

    let journal = std::fs::read_to_string(run.join("results.jsonl")).unwrap();
    let lines: Vec<Value> = journal.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    let mut all = Vec::new();
    for l in &lines {
        strings(l, &mut all);
    }
    for s in &all {
        assert_no_controls("a results.jsonl string", s.as_bytes());
    }
    let by_tenant = |t: &str| lines.iter().find(|l| l["tenant"] == t).unwrap();
    assert_eq!(by_tenant("warnings.example")["status"], "ok");
    assert_eq!(by_tenant("warnings.example")["warnings"], json!(["all OK", "line one\nline twotxt.exe"]));
    let cmdlet = &by_tenant("cmdlet.example")["error"];
    assert_eq!(
        cmdlet,
        &json!({"kind": "cmdlet", "status": 400, "code": "BadRequest", "type":
            "Microsoft.Exchange.ManagementObjectNotFoundException", "message": "The object was not found."})
    );
    let nul = by_tenant("nul.example")["error"]["message"].as_str().unwrap();
    assert!(
        nul.starts_with(
            "HTTP 403 Forbidden, answer is not JSON (300 bytes of binary data, not shown); \
             x-ms-diagnostics: 2000010;reason=\"no role\" (hint: the app likely lacks the Exchange.ManageAsApp"
        ),
        "{nul}"
    );
    assert_eq!(
        by_tenant("html.example")["error"]["message"],
        "HTTP 502 Bad Gateway, answer is not JSON: <html>Bad gateway</html>"
    );

    let summary = std::fs::read(run.join("summary.txt")).unwrap();
    for (what, text) in [("stdout", &o.stdout), ("stderr", &o.stderr), ("summary.txt", &summary)] {
        assert_no_controls(what, text);
    }
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("(cmdlet, ManagementObjectNotFoundException) in cmdlet.example"), "{stdout}");
    assert!(stdout.contains("The object was not found."), "{stdout}");
}

fn fixture_server_show(o: &std::process::Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
