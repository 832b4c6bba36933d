//! Issue #9 item 1 (SPEC §9): the region redirect never moves the bearer token to an origin
//! the environment does not name. Each test points the front door at a hostile server
//! whose banner redirects to a second server (the thief), and asserts the step fails with
//! kind `refused` and the thief saw nothing.
#![allow(clippy::unwrap_used)]

use crate::hostile;

use hostile::{compliance_step, run, Hostile, Mode, ProfileSpec};

const TENANT: &str = "contoso.example";

/// The journal's error for the compliance step, and how many requests the thief got.
fn refused_line(ran: &hostile::Ran, thief: &Hostile) -> serde_json::Value {
    let line = ran.line(TENANT, "cc");
    assert_eq!(ran.output.status.code(), Some(1), "{}", ran.show());
    assert_eq!(line["status"], "failed", "{line}");
    assert_eq!(line["error"]["kind"], "refused", "{line}");
    assert_eq!(thief.requests().len(), 0, "the thief got {:?}", thief.requests());
    line
}

#[test]
fn region_redirect_to_an_ip_address_is_refused() {
    let thief = Hostile::start(Mode::Polite);
    let front =
        Hostile::start(Mode::RegionRedirect(format!("{}/adminapi/beta/{TENANT}/EXOBanner", thief.base)));
    let dir = tempfile::tempdir().unwrap();
    let commands = compliance_step("cc", "Get-Label");
    let spec = ProfileSpec {
        region_template: Some(format!("{}/region/{{region}}", front.base)),
        ..ProfileSpec::new(&front.base, &commands)
    };
    let ran = run(dir.path(), &spec.write(dir.path()));
    let line = refused_line(&ran, &thief);
    let message = line["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        format!(
            "not sent: the region redirect to {} names no region (the first label of a DNS host name); the token goes only to origins the environment names",
            thief.base
        )
    );
    assert!(front.requests().iter().all(|r| !r.is_invoke()));
}

#[test]
fn region_redirect_to_another_origin_without_a_template_is_refused() {
    let thief = Hostile::start(Mode::Polite);
    let elsewhere = format!("http://localhost:{}/adminapi/beta/{TENANT}/EXOBanner", thief.port);
    let front = Hostile::start(Mode::RegionRedirect(elsewhere));
    let dir = tempfile::tempdir().unwrap();
    let commands = compliance_step("cc", "Get-Label");
    let ran = run(dir.path(), &ProfileSpec::new(&front.base, &commands).write(dir.path()));
    let line = refused_line(&ran, &thief);
    let message = line["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "points to http://localhost:{}, which environment `hostile` does not name",
            thief.port
        )),
        "{message}"
    );
}

#[test]
fn region_redirect_from_https_to_http_is_refused() {
    let thief = Hostile::start(Mode::Polite);
    let certs = tempfile::tempdir().unwrap();
    let front = Hostile::start_tls(
        Mode::RegionRedirect(format!("http://127.0.0.1:{}/adminapi/beta/{TENANT}/EXOBanner", thief.port)),
        certs.path(),
    );
    let dir = tempfile::tempdir().unwrap();
    let commands = compliance_step("cc", "Get-Label");
    let spec = ProfileSpec { ca_file: front.cert_pem.as_deref(), ..ProfileSpec::new(&front.base, &commands) };
    let ran = run(dir.path(), &spec.write(dir.path()));
    let line = refused_line(&ran, &thief);
    assert_eq!(
        line["error"]["message"],
        format!(
            "not sent: the region redirect goes from https to http (http://127.0.0.1:{}); the token goes only to origins the environment names",
            thief.port
        )
    );
    // The banner itself went over TLS to the front door, trusted through ca_file: once when
    // the tenant connected, once more for the step (a refused region is not cached).
    assert_eq!(front.requests().iter().filter(|r| r.is_banner()).count(), 2);
}

#[test]
fn region_redirect_with_a_region_label_goes_to_the_template_host() {
    let front = Hostile::start(Mode::RegionRedirect("http://eur02b.outlook.example/x".into()));
    let dir = tempfile::tempdir().unwrap();
    let commands = compliance_step("cc", "Get-Label");
    let spec = ProfileSpec {
        region_template: Some(format!("{}/region/{{region}}", front.base)),
        ..ProfileSpec::new(&front.base, &commands)
    };
    let ran = run(dir.path(), &spec.write(dir.path()));
    assert_eq!(ran.output.status.code(), Some(0), "{}", ran.show());
    let invokes: Vec<String> =
        front.requests().into_iter().filter(|r| r.is_invoke()).map(|r| r.path).collect();
    assert_eq!(invokes, [format!("/region/eur02b/adminapi/beta/{TENANT}/InvokeCommand")]);
}
