//! Helpers for the report and diff tests: runs made by the real `tenantrun` binary
//! against the built-in emulator (started in-process by `run`), from profiles that
//! plant markup in a tenant name and in a server message, with passing, failing,
//! erroring and exempt checks.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Markup planted in a tenant name (the profile) and in a server message (the emulator
/// echoes the unknown `-Identity` in its error); `__pwned` is set if either ever runs.
pub const PLANTED_NAME: &str = "<img src=x onerror=window.__pwned=1>";
pub const PLANTED_IDENTITY: &str = "<img src=x onerror=window.__pwned=2>";

/// The mixed profile: three tenants (one named with markup, one tagged `lab` and
/// exempt from LBL-01), a list whose step passes some checks and fails others, and a
/// list whose first step fails on every tenant (its check is in error).
pub fn mixed_profile(tenants_extra: &str) -> String {
    format!(
        r#"version: 1
defaults:
  environment: emulator
  service: compliance
  concurrency: 4
  retries: 0
tenants:
  - {{ id: contoso.onmicrosoft.com, name: Contoso, tags: [emea, retail] }}
  - {{ id: fabrikam.onmicrosoft.com, name: "{PLANTED_NAME}", tags: [us] }}
  - {{ id: litware.onmicrosoft.com, tags: [apac, lab] }}
{tenants_extra}commands:
  labels:
    - cmdlet: Get-Label
      expect:
        - id: LBL-01
          title: No more than zero labels
          severity: high
          count: {{ max: 0 }}
        - id: LBL-02
          title: Some label exists
          count: {{ min: 1 }}
  broken:
    - cmdlet: Get-Mailbox
      service: exchange
      parameters: {{ Identity: "{PLANTED_IDENTITY}" }}
      expect:
        - id: MBX-01
          count: {{ max: 10 }}
    - Get-LabelPolicy
exemptions:
  - check: LBL-01
    tenants: [tag:lab]
    reason: lab tenants keep test labels
    expires: 2099-12-31
"#
    )
}

/// A scratch folder with the binary's environment isolated in it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantrun"));
        cmd.current_dir(self.dir.path())
            .env("TENANTRUN_CACHE_DIR", self.path("cache"))
            .env_remove("TENANTRUN_LOG")
            .env("NO_COLOR", "1");
        cmd
    }

    pub fn tenantrun(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// `tenantrun run PROFILE -o runs --progress none EXTRA...`: the run directory and the output.
    pub fn run(&self, profile: &Path, extra: &[&str]) -> (PathBuf, Output) {
        let mut args = vec!["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"];
        args.extend_from_slice(extra);
        let out = self.tenantrun(&args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let dir = stdout.lines().find_map(|l| l.strip_prefix("Run directory: ")).unwrap_or_else(|| {
            panic!("no run directory in:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr))
        });
        (self.dir.path().join(dir), out)
    }
}

/// The mixed run, made with `--report html,junit,markdown`.
pub fn mixed_run(s: &Scratch) -> PathBuf {
    let profile = s.write("mixed.yaml", &mixed_profile(""));
    let (dir, out) = s.run(&profile, &["--report", "html,junit,markdown"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// `text` with the run's own id, times and digest replaced, for exact comparison.
pub fn redact(text: &str) -> String {
    let rules = [
        (r"\d{8}T\d{6}Z-[0-9a-f]{6}", "RUN_ID"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "TIME"),
        (r"sha256:[0-9a-f]{64}", "DIGEST"),
        (r"\| Duration \| [0-9.]+ s \|", "| Duration | SECS |"),
    ];
    let mut out = text.to_string();
    for (pattern, with) in rules {
        out = regex::Regex::new(pattern).unwrap().replace_all(&out, with).into_owned();
    }
    out
}
