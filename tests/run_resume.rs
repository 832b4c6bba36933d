//! Interruption and resume over real sockets: `kill -9` at several moments, then
//! `--resume` until done, compared with a clean run (nothing lost, nothing
//! duplicated); and a Ctrl-C (SIGINT) that exits 130 with a resumable run.
#![allow(clippy::unwrap_used)]

use crate::run_support;

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

/// Complete lines in the journal (a torn last line is not counted).
fn results_lenient(run: &Path) -> usize {
    let text = std::fs::read_to_string(run.join("results.jsonl")).unwrap_or_default();
    text.matches('\n').count()
}

/// Wait until the journal holds at least `n` complete lines.
fn wait_for_lines(run: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while results_lenient(run) < n {
        assert!(Instant::now() < deadline, "the journal never reached {n} lines");
        std::thread::sleep(Duration::from_millis(5));
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

    // Kill the first run once some steps are journaled.
    let mut child = spawn(&lab, &["run", p, "-o", "killed", "--progress", "none"]);
    let run = wait_for_run(&lab.path("killed"));
    wait_for_lines(&run, 10);
    kill9(&mut child);
    let after_first = results(&run).len();
    assert!((10..120).contains(&after_first), "killed mid-run ({after_first} lines)");

    // Resume, and kill the resumed runs too: almost at once, then after progress.
    let resume = ["run", p, "--resume", run.to_str().unwrap(), "--progress", "none"];
    let mut child = spawn(&lab, &resume);
    std::thread::sleep(Duration::from_millis(50));
    kill9(&mut child);
    // A kill in the middle of a journal write leaves a torn last line.
    std::fs::OpenOptions::new()
        .append(true)
        .open(run.join("results.jsonl"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, br#"{"tenant":"k000.onmicrosoft.com","comm"#))
        .unwrap();
    let mut child = spawn(&lab, &resume);
    let before = results_lenient(&run);
    wait_for_lines(&run, before + 20);
    kill9(&mut child);
    let mut child = spawn(&lab, &resume);
    std::thread::sleep(Duration::from_millis(300));
    kill9(&mut child);
    // A resume counts once it has written its start to summary.json: the one killed after
    // 20 more lines certainly did; the ones killed after 50 ms and 300 ms may not have yet.
    let recorded = summary(&run)["resumes"].as_u64().unwrap();
    assert!((1..=3).contains(&recorded), "{recorded} killed resumes recorded");
    let out = lab.run(&["run", p, "--resume", run.to_str().unwrap(), "--progress", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    assert_eq!(fingerprint(&run), fingerprint(&clean), "the resumed run equals the clean run");
    let dup: Vec<_> = ok_lines_per_key(&run).into_iter().filter(|(_, n)| *n != 1).collect();
    assert!(dup.is_empty(), "a finished step was run twice: {dup:?}");
    assert_eq!(ok_lines_per_key(&run).len(), 120);
    assert_eq!(partials(&run), 0, "no temporary items file left behind");
    let s = summary(&run);
    assert_eq!(s["counts"], serde_json::json!({"ok": 120, "failed": 0, "skipped": 0, "not_run": 0}));
    assert_eq!(s["resumes"], recorded + 1, "the final resume is counted once");
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
    // What the user reads: at once, that nothing new starts; at the end, how much did not
    // run and the command that finishes the job.
    assert!(
        stderr.lines().any(|l| l
            == "interrupted: no new steps will start; waiting for those in flight (Ctrl-C again to stop at once)"),
        "{stderr}"
    );
    let run_id = run.file_name().unwrap().to_string_lossy().into_owned();
    let tail = stderr[stderr.rfind("interrupted:").unwrap_or(0)..]
        .replace(&format!("{not_run} steps"), "[N] steps")
        .replace(&run_id, "[RUN_ID]")
        .replace(&lab.dir.path().display().to_string(), "[LAB]");
    insta::assert_snapshot!(tail.trim_end(), @r"
    interrupted: [N] steps not run; results.jsonl holds every step that finished.
    resume with:
      tenantrun run [LAB]/profile.yaml --resume runs/[RUN_ID]
    ");

    let out = lab.run(&["run", p, "--resume", run.to_str().unwrap(), "--progress", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(ok_lines_per_key(&run).len(), 90);
    assert!(ok_lines_per_key(&run).values().all(|n| *n == 1));
    assert_eq!(summary(&run)["interrupted"], false);
    lab.assert_no_violations();
}

#[test]
fn a_second_ctrl_c_aborts_at_once_and_the_run_still_resumes() {
    let lab = Lab::start(EmulatorConfig { latency_ms: 1500, ..EmulatorConfig::default() });
    let ids = tenants(6, "a");
    let profile = lab.profile(&ids, LISTS, "  concurrency: 6\n  timeout: 30s\n");
    let p = profile.to_str().unwrap();
    let child = spawn(&lab, &["run", p, "-o", "runs", "--progress", "plain"]);
    let run = wait_for_run(&lab.path("runs"));
    // Signal once a step is in its InvokeCommand call (the emulator received it; its
    // answer comes 1.5 s later), past any point where a stopping run still drops a step.
    lab.wait_for_requests("invoke_command", 1);
    for _ in 0..2 {
        Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    // Waiting for the calls in flight would have journaled their steps; aborting leaves no line.
    assert_eq!(results(&run).len(), 0, "aborted without waiting for in-flight steps");
    assert_eq!(summary(&run)["counts"]["not_run"], 18, "{}", summary(&run));
    assert!(String::from_utf8_lossy(&out.stderr).contains("aborted"), "{}", show(&out));
    let out = lab.run(&["run", p, "--resume", run.to_str().unwrap(), "--progress", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(ok_lines_per_key(&run).len(), 18);
    lab.assert_no_violations();
}
