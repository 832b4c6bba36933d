//! The quickstart needs nothing exported: tenants on the built-in `emulator`
//! environment that name no identity sign in as the built-in `emulator` identity
//! (SPEC §5), which is refused on every other environment.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tenantrun(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantrun"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env("TENANTRUN_CACHE_DIR", dir.join("cache"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("TENANTRUN_") && k != "TENANTRUN_CACHE_DIR" {
            cmd.env_remove(k);
        }
    }
    cmd.args(args).output().unwrap()
}

fn show(o: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_quickstart_runs_with_nothing_exported() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let out_arg = out.to_string_lossy().into_owned();
    let o = tenantrun(dir.path(), &["run", "examples/quickstart.yaml", "-o", &out_arg, "--progress", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let runs: Vec<PathBuf> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(runs.len(), 1);
    let text = std::fs::read_to_string(runs[0].join("results.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 60, "10 tenants x 6 steps");
    assert!(lines.iter().all(|l| l["status"] == "ok"), "{text}");
    assert!(String::from_utf8_lossy(&o.stdout).contains(&runs[0].display().to_string()), "{}", show(&o));
}

#[test]
fn the_plan_shows_the_built_in_identity() {
    let dir = tempfile::tempdir().unwrap();
    let o = tenantrun(
        dir.path(),
        &["plan", "examples/quickstart.yaml", "-t", "litware.onmicrosoft.com", "-c", "labels", "--steps"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout), @r"
    TENANT                   ENVIRONMENT  IDENTITY  SERVICE     COMMAND  STEP  CMDLET           ACCESS
    litware.onmicrosoft.com  emulator     emulator  compliance  labels   0     Get-Label        read
    litware.onmicrosoft.com  emulator     emulator  compliance  labels   1     Get-LabelPolicy  read

    1 tenant of 10, 2 steps
    ");
}

#[test]
fn the_built_in_identity_is_refused_on_other_environments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.yaml");
    std::fs::write(
        &path,
        "version: 1\ndefaults: { environment: emulator }\ntenants:\n  - { id: a.onmicrosoft.com }\n  \
         - { id: b.onmicrosoft.com, environment: commercial, identity: emulator }\n  \
         - { id: c.onmicrosoft.com, environment: commercial }\ncommands: { l: [Get-Label] }\n",
    )
    .unwrap();
    let p = path.to_string_lossy().into_owned();
    let o = tenantrun(dir.path(), &["validate", &p]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr).replace(&p, "p.yaml");
    insta::assert_snapshot!(err, @r"
    error: the built-in `emulator` identity is refused on environment `commercial` (tenant `b.onmicrosoft.com`)
     ——▶ p.yaml:5:65
      │
    5 │   - { id: b.onmicrosoft.com, environment: commercial, identity: emulator }
      │                                                                 ^^^^^^^^
      = hint: its secret is public and only signs in to the built-in emulator; declare an identity under `identities:` for this environment

    error: tenant `c.onmicrosoft.com` has no identity
     ——▶ p.yaml:6:11
      │
    6 │   - { id: c.onmicrosoft.com, environment: commercial }
      │           ^^^^^^^^^^^^^^^^^
      = hint: set `identity:` on the tenant or `defaults.identity`

    2 problems found
    ");
}
