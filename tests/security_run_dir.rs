//! SPEC §9, run directories: nothing read from one is trusted as a path. Through the real
//! binary, `merge` of a tampered shard and `run --resume` of a tampered journal or of a run
//! directory holding a planted link are refused with a located error before anything is
//! written, and nothing outside the run directory is read, written or deleted.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use crate::run_support;

use run_support::*;
use serde_json::Value;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use tenantrun::emulator::EmulatorConfig;

const LISTS: &str = "  labels:\n    - Get-Label\n";

fn lab() -> Lab {
    Lab::start(EmulatorConfig { seed: 9, ..EmulatorConfig::default() })
}

/// A finished run of two tenants with a CSV export, in `lab/<out>/<run-id>`.
fn finished_run(lab: &Lab, out: &str) -> PathBuf {
    let profile = lab.profile(&tenants(2, "r"), LISTS, "");
    let o = lab.run(&["run", profile.to_str().unwrap(), "-o", out, "--progress", "none", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    only_run(&lab.path(out))
}

/// Set line 2 of `run`'s journal's `items` to `items`.
fn tamper_items(run: &Path, items: &str) {
    let path = run.join("results.jsonl");
    let mut lines: Vec<Value> =
        std::fs::read_to_string(&path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["status"], "ok");
    lines[1]["items"] = Value::String(items.into());
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text).unwrap();
}

fn resume(lab: &Lab, run: &Path) -> std::process::Output {
    lab.run(&["run", "--resume", run.to_str().unwrap(), "--progress", "none", "--format", "csv"])
}

fn merge(lab: &Lab, run: &Path) -> std::process::Output {
    lab.run(&["merge", run.to_str().unwrap(), "--out", "merged"])
}

fn unsafe_items(run: &Path, items: &str) -> String {
    format!(
        "error: {}:2: items path {items:?} is not a relative path inside items/ (refused: nothing read from a run directory is trusted as a path)\n",
        run.join("results.jsonl").display()
    )
}

fn link_refused(path: &Path) -> String {
    format!(
        "error: {}: is a symbolic link; tenantrun never writes through one inside a run directory (refused: remove the link or start a new run)\n",
        path.display()
    )
}

fn assert_refused(out: &std::process::Output, stderr: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", show(out));
    assert_eq!(String::from_utf8_lossy(&out.stderr), stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

/// The bytes of every file of the run directory, to show a refusal wrote nothing.
fn snapshot(run: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![run.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let kind = e.file_type().unwrap();
            if kind.is_dir() {
                pending.push(e.path());
            } else if kind.is_file() {
                out.push((e.path(), std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn merge_of_a_shard_naming_an_absolute_items_path_deletes_nothing() {
    let lab = lab();
    let run = finished_run(&lab, "shard");
    let victim = lab.path("victim.jsonl");
    std::fs::write(&victim, "{\"Name\":\"precious\"}\n").unwrap();
    tamper_items(&run, victim.to_str().unwrap());
    let out = merge(&lab, &run);
    assert_refused(&out, &unsafe_items(&run, victim.to_str().unwrap()));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{\"Name\":\"precious\"}\n");
    assert!(!lab.path("merged").exists(), "nothing is created for a refused merge");
}

#[test]
fn merge_of_a_shard_naming_a_parent_items_path_writes_nothing_outside_out() {
    let lab = lab();
    let run = finished_run(&lab, "shard");
    // `run/../escape.jsonl` exists, so the old code copied it to `merged/../escape.jsonl`.
    std::fs::write(lab.path("shard/escape.jsonl"), "{\"Name\":\"x\"}\n").unwrap();
    tamper_items(&run, "../escape.jsonl");
    let out = merge(&lab, &run);
    assert_refused(&out, &unsafe_items(&run, "../escape.jsonl"));
    assert!(!lab.path("escape.jsonl").exists(), "merge wrote outside --out");
    assert!(!lab.path("merged").exists());
}

#[test]
fn merge_refuses_a_shard_whose_items_file_is_a_link() {
    let lab = lab();
    let run = finished_run(&lab, "shard");
    std::fs::write(lab.path("stolen.jsonl"), "{\"Name\":\"stolen\"}\n").unwrap();
    let items = run.join("items/labels/r000.onmicrosoft.com.0.jsonl");
    std::fs::remove_file(&items).unwrap();
    symlink(lab.path("stolen.jsonl"), &items).unwrap();
    let out = merge(&lab, &run);
    assert_refused(&out, &link_refused(&items));
    assert!(!lab.path("merged").exists());
}

#[test]
fn resume_of_a_journal_naming_a_file_outside_the_run_reads_nothing() {
    let lab = lab();
    let run = finished_run(&lab, "runs");
    std::fs::write(lab.path("outside.jsonl"), "{\"Name\":\"outside-secret\"}\n").unwrap();
    tamper_items(&run, "../../outside.jsonl");
    let before = snapshot(&run);
    let out = resume(&lab, &run);
    assert_refused(&out, &unsafe_items(&run, "../../outside.jsonl"));
    assert_eq!(snapshot(&run), before, "a refused resume writes nothing");
    let csv = std::fs::read_to_string(run.join("csv/labels.0.csv")).unwrap();
    assert!(!csv.contains("outside-secret"), "{csv}");
}

#[test]
fn resume_with_a_planted_csv_link_leaves_the_victim_alone_and_resumes_once_removed() {
    let lab = lab();
    let run = finished_run(&lab, "runs");
    let victim = lab.path("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let csv = run.join("csv/labels.0.csv");
    std::fs::remove_file(&csv).unwrap();
    symlink(&victim, &csv).unwrap();
    let before = snapshot(&run);
    let out = resume(&lab, &run);
    assert_refused(&out, &link_refused(&csv));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(snapshot(&run), before);
    // Nothing already done was lost: without the link the run resumes (nothing left to run).
    std::fs::remove_file(&csv).unwrap();
    let out = resume(&lab, &run);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(results(&run).len(), 2);
    assert!(std::fs::symlink_metadata(&csv).unwrap().is_file());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn resume_with_a_journal_link_does_not_truncate_the_victim() {
    let lab = lab();
    let run = finished_run(&lab, "runs");
    // No trailing newline: the old code cut this "torn line" off the file the link named.
    let victim = lab.path("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let journal = run.join("results.jsonl");
    std::fs::remove_file(&journal).unwrap();
    symlink(&victim, &journal).unwrap();
    let out = resume(&lab, &run);
    assert_refused(&out, &link_refused(&journal));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn resume_with_a_planted_items_folder_link_touches_nothing_elsewhere() {
    let lab = lab();
    let run = finished_run(&lab, "runs");
    let elsewhere = lab.path("elsewhere");
    std::fs::rename(run.join("items/labels"), &elsewhere).unwrap();
    // The old code's clean-up of partial files deleted this through the link.
    std::fs::write(elsewhere.join("keep.partial"), "keep").unwrap();
    symlink(&elsewhere, run.join("items/labels")).unwrap();
    let out = resume(&lab, &run);
    assert_refused(&out, &link_refused(&run.join("items/labels")));
    assert_eq!(std::fs::read_to_string(elsewhere.join("keep.partial")).unwrap(), "keep");
}

/// Every entry under `dir` whose permissions are not 0700 (folders) or 0600 (files).
fn loose_modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut loose = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            let mode = meta.permissions().mode() & 0o777;
            let want = if meta.is_dir() { 0o700 } else { 0o600 };
            if mode != want {
                loose.push((e.path(), mode));
            }
            if meta.is_dir() {
                pending.push(e.path());
            }
        }
    }
    loose
}

#[test]
fn run_directory_is_owner_only_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let lab = lab();
    let profile = lab.profile(&tenants(2, "r"), LISTS, "");
    let out = std::process::Command::new("sh")
        .current_dir(lab.dir.path())
        .env("EMU_SECRET", CLIENT_SECRET)
        .env("TENANTRUN_CACHE_DIR", lab.path("cache"))
        .env_remove("TENANTRUN_LOG")
        .args(["-c", "umask 000 && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_tenantrun")])
        .args(["run", profile.to_str().unwrap(), "-o", "runs", "--progress", "none"])
        .args(["--format", "csv,json,jsonl", "--report", "html,xlsx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    assert_eq!(std::fs::metadata(&run).unwrap().permissions().mode() & 0o777, 0o700);
    for name in ["results.jsonl", "summary.json", "csv/labels.0.csv", "report.xlsx", "profile/profile.yaml"] {
        assert!(run.join(name).is_file(), "{name}");
    }
    assert_eq!(loose_modes(&run), vec![]);
}

#[test]
fn check_report_and_diff_refuse_an_items_file_planted_as_a_link() {
    let lab = lab();
    let run = finished_run(&lab, "out");
    let clean = finished_run(&lab, "clean");
    std::fs::write(lab.path("stolen.jsonl"), "{\"Name\":\"stolen-secret-value\"}\n").unwrap();
    let items = run.join("items/labels/r000.onmicrosoft.com.0.jsonl");
    std::fs::remove_file(&items).unwrap();
    symlink(lab.path("stolen.jsonl"), &items).unwrap();
    let before = snapshot(&run);
    let r = run.to_str().unwrap();
    for args in
        [vec!["check", r], vec!["report", r, "--format", "html"], vec!["diff", clean.to_str().unwrap(), r]]
    {
        let out = lab.run(&args);
        assert_refused(&out, &link_refused(&items));
    }
    assert_eq!(snapshot(&run), before, "nothing written into the run");
    assert!(!run.join("report.html").exists());
}
