//! Issue #9 item 2 (SPEC §9): an endless chunked answer, an error body of hundreds of MiB
//! and a token answer of hundreds of MiB each fail their step with a message naming the
//! bound (memory is asserted in `hostile_memory.rs`).
#![allow(clippy::unwrap_used)]

use crate::hostile;

use hostile::{exchange_step, run, run_exchange_step, Hostile, Mode, ProfileSpec};

const TENANT: &str = "contoso.example";
const MIB: u64 = 1024 * 1024;

#[test]
fn endless_chunked_answer_fails_the_step() {
    let (_server, ran, _dir) = run_exchange_step(Mode::HugePage { bytes: u64::MAX }, "");
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["status"], "failed", "{}", ran.show());
    assert_eq!(
        line["error"]["message"],
        "Get-Mailbox: the answer is larger than 64 MiB, the limit for one answer; not read further"
    );
}

#[test]
fn huge_error_body_is_read_only_in_part() {
    let (_server, ran, _dir) = run_exchange_step(Mode::HugeErrorBody { bytes: 300 * MIB }, "");
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["status"], "failed", "{}", ran.show());
    assert_eq!(line["error"]["status"], 500);
    let message = line["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "HTTP 500 Internal Server Error, answer is not JSON: <html>server error server error"
        ),
        "{message}"
    );
    assert!(message.ends_with("(only the first 1 MiB of the body was read)"), "{message}");
}

#[test]
fn huge_token_answer_fails_the_sign_in() {
    let server = Hostile::start(Mode::HugeTokenAnswer { bytes: 200 * MIB });
    let dir = tempfile::tempdir().unwrap();
    let commands = exchange_step("exo", "Get-Mailbox");
    let spec =
        ProfileSpec { sign_in: hostile::SignIn::ClientSecret, ..ProfileSpec::new(&server.base, &commands) };
    let ran = run(dir.path(), &spec.write(dir.path()));
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["status"], "failed", "{}", ran.show());
    assert_eq!(line["error"]["kind"], "auth");
    let message = line["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("the identity endpoint's answer is larger than 64 MiB, the limit for one answer; not read further"),
        "{message}"
    );
    assert_eq!(server.requests().iter().filter(|r| r.is_invoke()).count(), 0);
}
