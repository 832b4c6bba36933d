//! `tenantrun login` through the real binary against the emulator: the code and URL go to
//! stderr, the user approves, the refresh token is cached (0600) and a later `run` of the
//! device_code identity is unattended. Wrong identities are usage errors (exit 2).

use std::io::BufRead as _;
use std::process::{Command, Stdio};
use tenantrun::emulator::{Emulator, EmulatorConfig, PARTNER_UPN, PUBLIC_CLIENT_ID};

fn profile(base: &str) -> String {
    format!(
        "version: 1\nenvironments:\n  lab:\n    authority: {base}/login\n    exchange: {base}/exchange\n    \
         compliance: {base}/compliance\n    compliance_region: {base}/region/{{region}}\nidentities:\n  \
         admin:\n    kind: device_code\n    client_id: {PUBLIC_CLIENT_ID}\n    user_principal_name: {PARTNER_UPN}\n  \
         app:\n    kind: client_secret\n    client_id: 00000000-0000-4000-8000-00000000e001\n    client_secret: {{ env: NOT_USED }}\n\
         defaults:\n  environment: lab\n  identity: admin\ntenants:\n  - id: contoso.onmicrosoft.com\n  \
         - id: fabrikam.onmicrosoft.com\ncommands:\n  labels:\n    - Get-Label\n"
    )
}

#[test]
fn login_prints_the_code_waits_for_approval_and_caches_the_refresh_token() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let config = EmulatorConfig { device_code_interval_secs: 1, ..EmulatorConfig::default() };
    let emu = rt.block_on(Emulator::start(config)).expect("emulator");
    let base = emu.base_url().as_str().trim_end_matches('/').to_string();
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("p.yaml"), profile(&base)).expect("profile");
    let cache = dir.path().join("cache");
    let bin = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tenantrun"));
        c.current_dir(dir.path()).env("TENANTRUN_CACHE_DIR", &cache).env_remove("TENANTRUN_LOG");
        c
    };

    let mut child = bin()
        .args(["login", "p.yaml", "--identity", "admin"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn login");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    let first = lines.next().expect("a prompt line").expect("utf-8");
    assert!(first.contains(&format!("{base}/devicelogin")), "{first}");
    let code = first.split("enter the code ").nth(1).and_then(|s| s.split_whitespace().next()).expect("code");
    std::thread::sleep(std::time::Duration::from_millis(300));
    emu.approve_device(code, PARTNER_UPN).expect("approve");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("wait");
    assert!(status.success(), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("refresh token of identity `admin` is cached in")), "{rest:?}");
    let file = cache.join("refresh_tokens.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).expect("cache").permissions().mode() & 0o777, 0o600);
    }

    // The scheduled run afterwards needs nobody.
    let run = bin().args(["run", "p.yaml", "-o", "runs", "--progress", "none"]).output().expect("run");
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    rt.block_on(emu.shutdown());
}

#[test]
fn login_of_an_unknown_or_non_interactive_identity_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("p.yaml"), profile("http://127.0.0.1:9")).expect("profile");
    for (name, expect) in [("nobody", "no identity `nobody`"), ("app", "is of kind client_secret")] {
        let out = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
            .current_dir(dir.path())
            .args(["login", "p.yaml", "--identity", name])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{err}");
    }
}
