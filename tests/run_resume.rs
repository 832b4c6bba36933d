//! Interruption and resume over real sockets: `kill -9` at several moments, then
//! `--resume` until done, compared with a clean run (nothing lost, nothing
//! duplicated); and a Ctrl-C (SIGINT) that exits 130 with a resumable run.
#![allow(clippy::unwrap_used)]

mod run_support;

use run_support::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tenantrun::emulator::EmulatorConfig;

const LISTS: &str = "  labels:
    - Get-Label
    - Get-LabelPolicy
  mail:
    - cmdlet: Get-Mailbox
      service: exchange
      parameters: { ResultSize: Unlimited }
";

fn spawn(lab: &Lab, args: &[&str]) -> Child {
    lab.cmd().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Wait until `out` holds a run directory with a journal, then return it.
fn wait_for_run(out: &Path) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(entries) = std::fs::read_dir(out) {
            if let Some(dir) = entries.flatten().map(|e| e.path()).find(|p| p.join("results.jsonl").exists())
            {
                return dir;
            }
        }
        assert!(Instant::now() < deadline, "no run directory appeared in {}", out.display());
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn kill9(child: &mut Child) {
    Command::new("kill").args(["-9", &child.id().to_string()]).status().unwrap();
    let _ = child.wait();
}

fn ok_lines_per_key(run: &Path) -> BTreeMap<(String, String, u64), usize> {
    let mut m = BTreeMap::new();
    for r in results(run) {
        if r["status"] == "ok" {
            *m.entry(key(&r)).or_insert(0) += 1;
        }
    }
    m
}

fn partials(run: &Path) -> usize {
    let mut n = 0;
    for dir in std::fs::read_dir(run.join("items")).unwrap().flatten() {
        n += std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|f| f.file_name().to_string_lossy().ends_with(".partial"))
            .count();
    }
    n
}

#[test]
fn kill_9_at_several_moments_then_resume_equals_a_clean_run() {
    let lab = Lab::start(EmulatorConfig { latency_ms: 25, seed: 3, ..EmulatorConfig::default() });
    let ids = tenants(40, "k");
    let profile = lab.profile(&ids, LISTS, "  concurrency: 4\n  timeout: 20s\n");
    let p = profile.to_str().unwrap();

    let clean = lab.run(&["run", p, "-o", "clean", "--progress", "none"]);
    assert_eq!(clean.status.code(), Some(0), "{}", show(&clean));
    let clean = only_run(&lab.path("clean"));

    let mut child = spawn(&lab, &["run", p, "-o", "killed", "--progress", "none"]);
    let run = wait_for_run(&lab.path("killed"));
    std::thread::sleep(Duration::from_millis(300));
    kill9(&mut child);
    let after_first = results(&run).len();
    assert!(after_first < 120, "killed before the end ({after_first} lines)");

    // Resume, and kill the resumed runs too, at other moments.
    for delay in [150u64, 400] {
        let mut child = spawn(&lab, &["run", p, "--resume", run.to_str().unwrap(), "--progress", "none"]);
        std::thread::sleep(Duration::from_millis(delay));
        kill9(&mut child);
    }
    let out = lab.run(&["run", p, "--resume", run.to_str().unwrap(), "--progress", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    assert_eq!(fingerprint(&run), fingerprint(&clean), "the resumed run equals the clean run");
    let dup: Vec<_> = ok_lines_per_key(&run).into_iter().filter(|(_, n)| *n != 1).collect();
    assert!(dup.is_empty(), "a finished step was run twice: {dup:?}");
    assert_eq!(ok_lines_per_key(&run).len(), 120);
    assert_eq!(partials(&run), 0, "no temporary items file left behind");
    let s = summary(&run);
    assert_eq!(s["counts"], serde_json::json!({"ok": 120, "failed": 0, "skipped": 0, "not_run": 0}));
    assert_eq!(s["resumes"], 3);
    assert!(s["finished_at"].is_string());
    lab.assert_no_violations();
}

#[test]
fn ctrl_c_stops_starting_steps_writes_the_summary_and_exits_130() {
    let lab = Lab::start(EmulatorConfig { latency_ms: 40, ..EmulatorConfig::default() });
    let ids = tenants(30, "c");
    let profile = lab.profile(&ids, LISTS, "  concurrency: 3\n  timeout: 20s\n");
    let p = profile.to_str().unwrap();
    let child = spawn(&lab, &["run", p, "-o", "runs", "--progress", "plain"]);
    let run = wait_for_run(&lab.path("runs"));
    std::thread::sleep(Duration::from_millis(400));
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interrupted"), "{stderr}");
    let s = summary(&run);
    assert_eq!(s["interrupted"], true);
    let not_run = s["counts"]["not_run"].as_u64().unwrap();
    assert!(not_run > 0, "{s}");
    assert_eq!(s["counts"]["ok"].as_u64().unwrap() + not_run, 90, "{s}");
    assert_eq!(s["counts"]["failed"], 0, "in-flight steps finished: {s}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Run directory: "));

    let out = lab.run(&["run", p, "--resume", run.to_str().unwrap(), "--progress", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(ok_lines_per_key(&run).len(), 90);
    assert!(ok_lines_per_key(&run).values().all(|n| *n == 1));
    assert_eq!(summary(&run)["interrupted"], false);
    lab.assert_no_violations();
}
