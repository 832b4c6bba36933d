//! Issue #9 items 3 and 8 (SPEC §9): `@odata.nextLink` cannot keep a step running forever
//! or move the token — a repeated link stops the step, a link to another origin or to
//! another tenant's path is refused, a step ends at its deadline, and the warnings kept
//! per step are capped in number and size.
#![allow(clippy::unwrap_used)]

use crate::hostile;

use hostile::{exchange_step, run, run_exchange_step, Hostile, Mode, ProfileSpec};
use std::time::Duration;

const TENANT: &str = "contoso.example";

fn invokes(server: &Hostile) -> Vec<String> {
    server.requests().into_iter().filter(|r| r.is_invoke()).map(|r| r.path).collect()
}

#[test]
fn next_link_loop_is_detected() {
    let (server, ran, _dir) = run_exchange_step(Mode::NextLinkLoop { stop_after: 500 }, "");
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["status"], "failed", "{}", ran.show());
    assert_eq!(line["error"]["kind"], "http");
    assert_eq!(
        line["error"]["message"],
        "@odata.nextLink repeats a page already read in this step (after 3 pages); stopped"
    );
    let base = format!("/exchange/adminapi/beta/{TENANT}/InvokeCommand");
    assert_eq!(invokes(&server), [base.clone(), format!("{base}?page=2"), format!("{base}?page=1")]);
}

#[test]
fn next_link_to_another_origin_is_refused() {
    let thief = Hostile::start(Mode::Polite);
    let (server, ran, _dir) = run_exchange_step(
        Mode::NextLinkTo(format!("{}/exchange/adminapi/beta/{TENANT}/InvokeCommand?p=2", thief.base)),
        "",
    );
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["error"]["kind"], "refused", "{}", ran.show());
    assert_eq!(
        line["error"]["message"],
        format!(
            "not followed: @odata.nextLink points to another origin ({}); the token goes only to origins the environment names",
            thief.base
        )
    );
    assert_eq!(thief.requests().len(), 0);
    assert_eq!(invokes(&server).len(), 1);
}

#[test]
fn next_link_to_another_tenants_path_is_refused() {
    let server =
        Hostile::start(Mode::NextLinkTo("/exchange/adminapi/beta/fabrikam.example/InvokeCommand?p=2".into()));
    let dir = tempfile::tempdir().unwrap();
    let commands = exchange_step("exo", "Get-Mailbox");
    let ran = run(dir.path(), &ProfileSpec::new(&server.base, &commands).write(dir.path()));
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["error"]["kind"], "refused", "{}", ran.show());
    assert_eq!(
        line["error"]["message"],
        "not followed: @odata.nextLink leaves this tenant's path (/exchange/adminapi/beta/fabrikam.example/InvokeCommand); the token is not sent for another tenant"
    );
    assert!(server.requests().iter().all(|r| r.tenant() == Some(TENANT)), "{:?}", server.requests());
}

#[test]
fn endless_pages_stop_at_the_step_deadline() {
    let mode = Mode::SlowEndlessPages { delay: Duration::from_millis(300), stop_after: 200 };
    let (server, ran, _dir) = run_exchange_step(mode, "  step_timeout: 2s\n");
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["status"], "failed", "{}", ran.show());
    assert_eq!(line["error"]["kind"], "timeout");
    let message = line["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the step ran longer than its deadline of 2s (defaults.step_timeout) after "),
        "{message}"
    );
    assert!(invokes(&server).len() < 200);
}

#[test]
fn warnings_flood_is_capped() {
    let (_server, ran, _dir) =
        run_exchange_step(Mode::WarningFlood { pages: 20, per_page: 1000, long: 100_000 }, "");
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["status"], "ok", "{}", ran.show());
    assert_eq!(line["item_count"], 20);
    let warnings = line["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 101);
    let long = warnings[0].as_str().unwrap();
    assert!(long.len() <= 8 * 1024 && long.starts_with("LLLL") && long.ends_with('…'), "{}", long.len());
    assert_eq!(warnings[1], "warning 1.0");
    assert_eq!(warnings[99], "warning 1.98");
    assert_eq!(warnings[100], "… 19901 more warnings not kept (at most 100 are kept per step)");
}
