//! Issue #9 item 8 (SPEC §9): what the client says about a hostile or broken server. A
//! self-signed certificate without `ca_file` is named as the certificate (not "check proxy,
//! firewall, DNS"), for the token endpoint and the admin API alike; terminal control
//! sequences in sign-in errors, admin API errors, diagnostics and warnings never reach a
//! terminal or the journal.
#![allow(clippy::unwrap_used)]

use crate::hostile;

use hostile::{exchange_step, run, Hostile, Mode, ProfileSpec, SignIn};

const TENANT: &str = "contoso.example";

fn assert_no_controls(what: &str, text: &str) {
    let bad: Vec<char> = text.chars().filter(|c| c.is_control() && *c != '\n' && *c != '\t').collect();
    assert!(bad.is_empty(), "{what} carries control characters {bad:?}:\n{text}");
}

#[test]
fn self_signed_token_endpoint_without_ca_file_names_the_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let server = Hostile::start_tls(Mode::Polite, certs.path());
    let dir = tempfile::tempdir().unwrap();
    let commands = exchange_step("exo", "Get-Mailbox");
    let spec = ProfileSpec { sign_in: SignIn::ClientSecret, ..ProfileSpec::new(&server.base, &commands) };
    let ran = run(dir.path(), &spec.write(dir.path()));
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["error"]["kind"], "auth", "{}", ran.show());
    assert_eq!(
        line["error"]["message"],
        format!(
            "tenant `{TENANT}`, identity `who`: the token endpoint at {}/login/ presents a TLS certificate that is not \
             signed by a trusted authority (self-signed or a private CA) (hint: if the server is genuine and uses a \
             private CA, set the environment's ca_file to that CA's PEM certificate)",
            server.base
        )
    );
    assert!(!ran.stderr.contains("proxy, firewall, DNS"), "{}", ran.show());
}

#[test]
fn self_signed_front_door_without_ca_file_names_the_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let server = Hostile::start_tls(Mode::Polite, certs.path());
    let dir = tempfile::tempdir().unwrap();
    let commands = exchange_step("exo", "Get-Mailbox");
    let ran = run(dir.path(), &ProfileSpec::new(&server.base, &commands).write(dir.path()));
    let line = ran.line(TENANT, "exo");
    assert_eq!(line["error"]["kind"], "network", "{}", ran.show());
    assert_eq!(
        line["error"]["message"],
        format!(
            "{} presents a TLS certificate that is not signed by a trusted authority (self-signed or a private CA) \
             (hint: if the server is genuine and uses a private CA, set the environment's ca_file to that CA's PEM certificate)",
            server.base
        )
    );
}

#[test]
fn control_sequences_in_sign_in_errors_and_warnings_reach_no_output() {
    let server = Hostile::start(Mode::EscapeSequences);
    let dir = tempfile::tempdir().unwrap();
    let commands = "  warn:\n    - cmdlet: Get-Mailbox\n      service: exchange\n  fail:\n    - cmdlet: Get-Failing\n      service: exchange\n";
    let spec = ProfileSpec {
        sign_in: SignIn::ClientSecret,
        tenants: &[TENANT, "fails.example"],
        ..ProfileSpec::new(&server.base, commands)
    };
    let ran = run(dir.path(), &spec.write(dir.path()));
    assert_eq!(ran.output.status.code(), Some(1), "{}", ran.show());
    assert_eq!(ran.line(TENANT, "warn")["warnings"][0], "all OK");
    let denied = ran.line(TENANT, "fail")["error"]["message"].as_str().unwrap().to_string();
    assert!(
        denied.starts_with(
            "HTTP 403 Forbidden, answer is not JSON: denied; x-ms-diagnostics: 2000;reason=role"
        ),
        "{denied}"
    );
    let sign_in = ran.line("fails.example", "warn")["error"]["message"].as_str().unwrap().to_string();
    assert!(sign_in.contains("(invalid_client: AADSTS7000215: bad OK)"), "{sign_in}");
    let results = std::fs::read_to_string(ran.run_dir.join("results.jsonl")).unwrap();
    for (what, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
        assert_no_controls(what, text);
    }
    // The journal is JSON: an escape would be written `\u001b`.
    assert!(!results.contains("\\u001b") && !results.contains("\\u0007"), "{results}");
}
