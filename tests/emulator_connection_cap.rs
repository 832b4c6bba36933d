//! The emulator's default connection cap must never cut off a well-behaved client: a run
//! with hundreds of tenants in flight (each connection busy or in the client's keep-alive
//! pool) gets every token and every answer. A fixed cap of 512 closed pooled connections
//! under `-j 256` and lost tokens (seen in the full benchmark: 222 of 3,000 steps failed
//! with "cannot reach the token endpoint").

use crate::run_support;

use run_support::*;
use tenantrun::emulator::EmulatorConfig;

#[test]
fn seven_hundred_tenants_in_flight_all_get_their_tokens_and_answers() {
    let lab = Lab::start(EmulatorConfig { latency_ms: 300, ..EmulatorConfig::default() });
    let ids = tenants(700, "w");
    let profile = lab.profile(&ids, "  labels:\n    - Get-Label\n", "");
    let out = lab.run(&[
        "run",
        profile.to_str().unwrap(),
        "-j",
        "350",
        "--connect-ahead",
        "350",
        "--progress",
        "none",
        "-o",
        "out",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&lab.path("out"));
    let lines = results(&run);
    assert_eq!(lines.len(), 700);
    assert!(lines.iter().all(|l| l["status"] == "ok"), "{}", show(&out));
    lab.assert_no_violations();
}
