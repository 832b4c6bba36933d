//! Issue #9 item 6 (SPEC §9): a server that echoes what it was sent — the form-encoded
//! token request (`client_secret=s3cr%2Bt…`), the bearer token, a Basic header of the
//! client credentials — in an error body, a sign-in error or `@adminapi.warnings` gets
//! none of it into `results.jsonl`, stdout or stderr, in any encoding.
#![allow(clippy::unwrap_used)]

use crate::hostile;

use base64::Engine as _;
use hostile::{run, Hostile, Mode, ProfileSpec, SignIn, CLIENT_ID, CLIENT_SECRET, ISSUED_TOKEN};

/// Every form the secret and the token travelled in.
fn forbidden() -> Vec<(&'static str, String)> {
    let form: String = url::form_urlencoded::byte_serialize(CLIENT_SECRET.as_bytes()).collect();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    vec![
        ("raw secret", CLIENT_SECRET.to_string()),
        ("form-encoded secret", form),
        ("percent-encoded secret", "s3cr%2Bt%2Fv%3Dlue~%C3%A4%20%21x".to_string()),
        ("Basic credentials", basic),
        ("bearer token", ISSUED_TOKEN.to_string()),
    ]
}

#[test]
fn echoed_secrets_are_scrubbed_from_results_stdout_and_stderr() {
    let server = Hostile::start(Mode::EchoSecrets);
    let dir = tempfile::tempdir().unwrap();
    let commands = "  warn:\n    - cmdlet: Get-Mailbox\n      service: exchange\n  fail:\n    - cmdlet: Get-Failing\n      service: exchange\n";
    let spec = ProfileSpec {
        sign_in: SignIn::ClientSecret,
        tenants: &["contoso.example", "fails.example"],
        ..ProfileSpec::new(&server.base, commands)
    };
    let ran = run(dir.path(), &spec.write(dir.path()));
    assert_eq!(ran.output.status.code(), Some(1), "{}", ran.show());
    // The echoes did arrive: the warning, the cmdlet error and the sign-in error.
    let warning = ran.line("contoso.example", "warn")["warnings"][0].as_str().unwrap().to_string();
    assert!(warning.starts_with("echo client_secret=<redacted> q=<redacted> raw=<redacted>"), "{warning}");
    assert!(
        warning.ends_with("Authorization: Bearer <redacted> Authorization: Basic <redacted>"),
        "{warning}"
    );
    let cmdlet = ran.line("contoso.example", "fail")["error"]["message"].as_str().unwrap().to_string();
    assert_eq!(cmdlet, warning);
    let sign_in = ran.line("fails.example", "warn")["error"]["message"].as_str().unwrap().to_string();
    assert!(sign_in.contains("You sent: "), "{sign_in}");
    assert!(sign_in.contains("client_secret=<redacted>"), "{sign_in}");

    let results = std::fs::read_to_string(ran.run_dir.join("results.jsonl")).unwrap();
    let summary = std::fs::read_to_string(ran.run_dir.join("summary.json")).unwrap();
    for (what, text) in [
        ("results.jsonl", &results),
        ("summary.json", &summary),
        ("stdout", &ran.stdout),
        ("stderr", &ran.stderr),
    ] {
        for (form, value) in forbidden() {
            assert!(!text.contains(&value), "{what} carries the {form} {value:?}:\n{text}");
        }
    }
}
