//! `run` keeps a copy of the profile files it loaded in `OUT/<run-id>/profile/`
//! (SPEC §7); `--resume RUN_DIR` alone reads that copy, and resuming with a changed
//! profile is refused unless `--force`. Through the real binary on the in-process
//! emulator.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A profile on the built-in emulator whose identity reads its secret from a file
/// next to the profile (a relative reference), with one step that fails
/// (`Get-Nope` is not a cmdlet the emulator exports).
const PROFILE: &str = "version: 1
identities:
  app:
    kind: client_secret
    client_id: 00000000-0000-4000-8000-00000000e001
    client_secret: { file: secret.txt }
defaults: { environment: emulator, identity: app }
tenants:
  - { id: contoso.onmicrosoft.com, name: Contoso }
  - { id: fabrikam.onmicrosoft.com, name: Fabrikam }
commands:
  labels: [Get-Label, Get-Nope]
";

struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("conf");
        std::fs::create_dir_all(&conf).unwrap();
        std::fs::write(conf.join("profile.yaml"), PROFILE).unwrap();
        let secret = conf.join("secret.txt");
        std::fs::write(&secret, "emulator-secret\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        Work { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tenantrun"))
            .current_dir(self.dir.path())
            .env("TENANTRUN_CACHE_DIR", self.path("cache"))
            .env_remove("TENANTRUN_LOG")
            .args(args)
            .output()
            .unwrap()
    }
}

fn show(o: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn only_run(out: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> =
        std::fs::read_dir(out).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

fn lines(run: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The user-facing text with the run directory and digests redacted.
fn redact(text: &str, run: &Path) -> String {
    let text = text.replace(&run.display().to_string(), "[RUN_DIR]");
    let digest = regex_lite_sha(&text);
    digest.trim_end().to_string()
}

/// Replace `sha256:<64 hex>` with `sha256:[DIGEST]`.
fn regex_lite_sha(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("sha256:") {
        out.push_str(&rest[..i + 7]);
        let after = &rest[i + 7..];
        let hex = after.chars().take_while(char::is_ascii_hexdigit).count();
        out.push_str(if hex == 64 { "[DIGEST]" } else { "" });
        rest = &after[if hex == 64 { 64 } else { 0 }..];
    }
    out.push_str(rest);
    out
}

#[test]
fn run_copies_the_profile_files_it_loaded() {
    let w = Work::new();
    let o = w.run(&["run", "conf/", "-o", "runs", "--progress", "none"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let run = only_run(&w.path("runs"));
    assert_eq!(std::fs::read_to_string(run.join("profile/profile.yaml")).unwrap(), PROFILE);
    // The secret file is not a profile file: it is never copied.
    let copied: Vec<String> = std::fs::read_dir(run.join("profile"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(copied, vec!["profile.yaml".to_string()]);
}

#[test]
fn resume_with_only_the_run_dir_reads_the_recorded_profile() {
    let w = Work::new();
    let o = w.run(&["run", "conf/profile.yaml", "-o", "runs", "--progress", "none"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let run = only_run(&w.path("runs"));
    assert_eq!(lines(&run).len(), 4);
    // The checkout moves on: the original profile is gone, its secret stays.
    std::fs::remove_file(w.path("conf/profile.yaml")).unwrap();
    let run_arg = run.to_string_lossy().into_owned();
    let o = w.run(&["run", "--resume", &run_arg, "--progress", "none"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = lines(&run);
    // Only the two failed steps ran again (secret read from the original folder).
    assert_eq!(all.len(), 6, "{all:?}");
    for l in &all[4..] {
        assert_eq!(l["cmdlet"], "Get-Nope", "{l}");
        assert_eq!(l["status"], "failed", "{l}");
        assert_eq!(l["error"]["kind"], "cmdlet", "{l}");
    }
}

#[test]
fn resume_with_a_changed_profile_is_refused_unless_force() {
    let w = Work::new();
    let o = w.run(&["run", "conf/profile.yaml", "-o", "runs", "--progress", "none"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let run = only_run(&w.path("runs"));
    let fixed = PROFILE.replace("Get-Nope", "Get-LabelPolicy");
    std::fs::write(w.path("conf/profile.yaml"), &fixed).unwrap();
    let run_arg = run.to_string_lossy().into_owned();

    let o = w.run(&["run", "conf/profile.yaml", "--resume", &run_arg, "--progress", "none"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(o.stdout.is_empty(), "{}", show(&o));
    assert_eq!(lines(&run).len(), 4, "nothing ran");
    insta::assert_snapshot!(redact(&String::from_utf8_lossy(&o.stderr), &run), @"error: the profile changed since [RUN_DIR] was started (digest sha256:[DIGEST], now sha256:[DIGEST]) (hint: resume with `--resume [RUN_DIR]` alone to use the profile the run recorded, or add --force to continue with this one)");

    let o = w.run(&["run", "conf/profile.yaml", "--resume", &run_arg, "--force", "--progress", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let all = lines(&run);
    assert_eq!(all.len(), 6);
    assert!(all[4..].iter().all(|l| l["cmdlet"] == "Get-LabelPolicy" && l["status"] == "ok"), "{all:?}");
    // The copy now holds the profile the run continued with.
    assert_eq!(std::fs::read_to_string(run.join("profile/profile.yaml")).unwrap(), fixed);
    let o = w.run(&["run", "--resume", &run_arg, "--progress", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(lines(&run).len(), 6, "nothing left to do");
}

#[test]
fn resume_of_a_run_without_a_profile_copy_asks_for_the_profile() {
    let w = Work::new();
    let o = w.run(&["run", "conf/profile.yaml", "-o", "runs", "--progress", "none"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let run = only_run(&w.path("runs"));
    std::fs::remove_dir_all(run.join("profile")).unwrap();
    let run_arg = run.to_string_lossy().into_owned();
    let o = w.run(&["run", "--resume", &run_arg]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    insta::assert_snapshot!(redact(&String::from_utf8_lossy(&o.stderr), &run), @"error: --resume [RUN_DIR]: [RUN_DIR] has no profile copy (profile/); pass the PROFILE the run was started with");
    // Given the profile, it resumes and records the copy.
    let o = w.run(&["run", "conf/profile.yaml", "--resume", &run_arg, "--progress", "none"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert_eq!(std::fs::read_to_string(run.join("profile/profile.yaml")).unwrap(), PROFILE);
}
