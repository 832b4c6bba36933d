//! The csp-gdap profile's documented flow, end to end through the real binary: the
//! `tenantrun login` command written in the profile's comments signs in the identity the
//! customers run as, and the run afterwards is unattended. Without a sign-in or a token
//! file, the error says to run `tenantrun login`.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Command, Stdio};
use tenantrun::emulator::{Emulator, EmulatorConfig, PARTNER_UPN};

const SHIPPED: &str = include_str!("../profiles/csp-gdap/profile.yaml");

/// The shipped profile pointed at the emulator (`lab`), its partner admin the emulator's
/// GDAP partner; everything else as shipped.
fn lab_profile(base: &str) -> String {
    let env = format!(
        "environments:\n  lab:\n    authority: {base}/login\n    exchange: {base}/exchange\n    \
         compliance: {base}/compliance\n    compliance_region: {base}/region/{{region}}\n\n"
    );
    let text = SHIPPED
        .replace("environment: commercial", "environment: lab")
        .replace("admin@partner.onmicrosoft.com", PARTNER_UPN)
        .replace("\nidentities:\n", &format!("\n{env}identities:\n"));
    assert!(text.contains("environment: lab") && text.contains(PARTNER_UPN), "the shipped profile changed");
    text
}

/// The login command the profile documents, as arguments after `tenantrun`.
fn documented_login() -> Vec<String> {
    let line = SHIPPED
        .lines()
        .find_map(|l| l.trim_start_matches('#').trim().strip_prefix("tenantrun login "))
        .expect("the profile documents a `tenantrun login` command");
    std::iter::once("login".to_string()).chain(line.split_whitespace().map(str::to_string)).collect()
}

fn bin(dir: &Path, cache: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tenantrun"));
    c.current_dir(dir).env("TENANTRUN_CACHE_DIR", cache).env_remove("TENANTRUN_LOG");
    c
}

#[test]
fn the_documented_login_signs_in_the_identity_the_customers_run_as() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let config = EmulatorConfig { device_code_interval_secs: 1, ..EmulatorConfig::default() };
    let emu = rt.block_on(Emulator::start(config)).expect("emulator");
    let base = emu.base_url().as_str().trim_end_matches('/').to_string();
    let dir = tempfile::tempdir().expect("dir");
    let folder = dir.path().join("profiles/csp-gdap");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(folder.join("profile.yaml"), lab_profile(&base)).expect("profile");
    let cache = dir.path().join("cache");
    // No secrets/partner.rt: the sign-in is the only source of the token.
    let run_args = ["run", "profiles/csp-gdap/", "-o", "runs", "--progress", "none", "-c", "audit"];

    // Before the sign-in: one located problem of the whole run, saying to run login.
    let before = bin(dir.path(), &cache).args(run_args).output().expect("run");
    assert_eq!(before.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&before.stderr);
    assert!(stderr.contains("identity `partner`: cannot read the refresh token"), "{stderr}");
    assert!(
        stderr.contains("run `tenantrun login PROFILE --identity partner` once on this machine"),
        "{stderr}"
    );
    let shown = stderr.replace(&dir.path().display().to_string(), "[DIR]");
    insta::assert_snapshot!(shown.trim_end(), @r"
    error: identity `partner`: cannot read the refresh token: cannot read secret file profiles/csp-gdap/secrets/partner.rt: No such file or directory (os error 2)
      ——▶ profiles/csp-gdap/profile.yaml:29:3
       │
    29 │   partner:
       │   ^^^^^^^
       = hint: 3 selected tenants sign in as `partner` (wingtiptoys.onmicrosoft.com, tailspintoys.onmicrosoft.com, 5c1f3a2e-0000-4000-8000-0000000c0ffe); nothing was contacted; run `tenantrun login PROFILE --identity partner` once on this machine (device-code sign-in; the refresh token is cached)

    1 problem found
    ");

    let login = documented_login();
    assert_eq!(login, ["login", "profiles/csp-gdap/", "--identity", "partner"]);
    let mut child = bin(dir.path(), &cache)
        .args(&login)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn login");
    let mut lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = lines.next().expect("a prompt").expect("utf-8");
    let code = first.split("enter the code ").nth(1).and_then(|s| s.split_whitespace().next()).expect("code");
    std::thread::sleep(std::time::Duration::from_millis(300));
    emu.approve_device(code, PARTNER_UPN).expect("approve");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(child.wait().expect("wait").success(), "{first}\n{rest:?}");
    assert!(rest.iter().any(|l| l.contains("refresh token of identity `partner` is cached in")), "{rest:?}");

    let after = bin(dir.path(), &cache).args(run_args).output().expect("run");
    assert_eq!(after.status.code(), Some(0), "{}", String::from_utf8_lossy(&after.stdout));
    let stdout = String::from_utf8_lossy(&after.stdout);
    assert!(stdout.contains("  ok              9\n") && stdout.contains("  tenants         3\n"), "{stdout}");
    rt.block_on(emu.shutdown());
}
