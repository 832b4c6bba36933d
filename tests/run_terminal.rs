//! What a person at a terminal sees during a run, through the real binary: the bars
//! under a pseudo-terminal with a tenant that cannot sign in (its warnings go above the
//! bars, never into a frame, and no stale frame is left), no colour codes off a
//! terminal or with `NO_COLOR`, and the Ctrl-C paths (honest counts, the resume command
//! on any interruption, `summary.json` final after one or two Ctrl-C).
#![allow(clippy::unwrap_used)]

use crate::run_support;

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use run_support::*;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tenantrun::emulator::EmulatorConfig;

const ROWS: u16 = 300;
const COLS: u16 = 600;
const BAD: &str = "bad000.onmicrosoft.com";
const STEPS: &str = "  labels:\n    - Get-Label\n    - Get-LabelPolicy\n";

/// A lab whose first tenant does not exist in Entra (AADSTS90002 at sign-in).
fn lab_with_failing_tenant(latency_ms: u64, good: usize) -> (Lab, PathBuf) {
    let config =
        EmulatorConfig { latency_ms, unknown_tenants: vec![BAD.into()], ..EmulatorConfig::default() };
    let lab = Lab::start(config);
    let mut ids = vec![BAD.to_string()];
    ids.extend(tenants(good, "t"));
    let profile = lab.profile(&ids, STEPS, "  concurrency: 3\n");
    (lab, profile)
}

/// What the child wrote to the terminal, and how it exited.
struct Session {
    bytes: Vec<u8>,
    code: u32,
}

impl Session {
    /// The terminal screen after the session, one string per row (trailing blanks trimmed).
    fn screen(&self) -> Vec<String> {
        let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let mut parser = vt100::Parser::new(nz(ROWS), nz(COLS), 0);
        parser.process(&self.bytes);
        parser.screen().rows(0, COLS).map(|r| r.trim_end().to_string()).collect()
    }
}

/// Run the binary in `lab` under a pseudo-terminal; `interrupt_after` sends Ctrl-C (the
/// terminal's ^C, so the kernel raises SIGINT) that long after the start.
fn under_pty(lab: &Lab, args: &[&str], env: &[(&str, &str)], interrupt_after: Option<Duration>) -> Session {
    let pty = native_pty_system()
        .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tenantrun"));
    cmd.args(args);
    cmd.cwd(lab.dir.path());
    cmd.env_clear();
    cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("TERM", "xterm-256color");
    cmd.env("EMU_SECRET", CLIENT_SECRET);
    cmd.env("TENANTRUN_CACHE_DIR", lab.path("cache"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let collected = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        // EIO when the child side closes ends the read on Linux.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    });
    let mut writer = pty.master.take_writer().unwrap();
    if let Some(after) = interrupt_after {
        std::thread::sleep(after);
        use std::io::Write;
        writer.write_all(b"\x03").unwrap();
        writer.flush().unwrap();
    }
    let status = child.wait().unwrap();
    drop(writer);
    drop(pty.master);
    let bytes = collected.join().unwrap();
    Session { bytes, code: status.exit_code() }
}

fn sgr_colour_codes(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Vec::new();
    let mut rest = text.as_ref();
    while let Some(i) = rest.find("\x1b[") {
        let tail = &rest[i + 2..];
        let end = tail.find(|c: char| !(c.is_ascii_digit() || c == ';')).unwrap_or(tail.len());
        if tail[end..].starts_with('m') && end > 0 && &tail[..end] != "0" {
            found.push(tail[..end].to_string());
        }
        rest = tail;
    }
    found
}

#[test]
fn sign_in_warnings_go_above_the_bars_and_leave_no_stale_frame() {
    let (lab, _) = lab_with_failing_tenant(40, 11);
    let session = under_pty(&lab, &["run", "profile.yaml", "--progress", "bar", "-o", "runs"], &[], None);
    let screen = session.screen();
    let shown = screen.join("\n");
    assert_eq!(session.code, 1, "{shown}");
    // The bar is redrawn many times while 12 tenants run; exactly one frame is left.
    let frames: Vec<&String> = screen.iter().filter(|r| r.contains("steps/s")).collect();
    assert_eq!(frames.len(), 1, "stale bar frames on screen:\n{shown}");
    assert!(frames[0].contains("12/12 tenants") && frames[0].contains("24/24 steps"), "{shown}");
    // The failing tenant's warning is on a row of its own, whole, above the final frame.
    let warnings: Vec<usize> = (0..screen.len()).filter(|&i| screen[i].contains(" WARN ")).collect();
    assert!(!warnings.is_empty(), "no warning about {BAD}:\n{shown}");
    let frame_row = screen.iter().position(|r| r.contains("steps/s")).unwrap();
    for &i in &warnings {
        let w = &screen[i];
        assert!(w.starts_with("20") && w.contains("AADSTS90002"), "torn log line `{w}`:\n{shown}");
        assert!(!w.contains("steps/s"), "log line inside a frame `{w}`:\n{shown}");
        assert!(i < frame_row, "log line below the bars:\n{shown}");
    }
    // No spinner line of a finished tenant is left behind.
    assert!(!screen.iter().any(|r| r.contains("labels: Get-Label")), "{shown}");
}

#[test]
fn no_colour_codes_with_no_color_under_a_terminal() {
    let (lab, _) = lab_with_failing_tenant(0, 2);
    let session = under_pty(
        &lab,
        &["run", "profile.yaml", "--progress", "bar", "-o", "runs"],
        &[("NO_COLOR", "1")],
        None,
    );
    assert!(String::from_utf8_lossy(&session.bytes).contains("AADSTS90002"));
    assert_eq!(sgr_colour_codes(&session.bytes), Vec::<String>::new());
}

#[test]
fn no_colour_codes_when_stderr_is_a_pipe() {
    let (lab, _) = lab_with_failing_tenant(0, 2);
    let out = lab.run(&["run", "profile.yaml", "-o", "runs"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WARN") && err.contains("AADSTS90002"), "{err}");
    assert!(!err.contains('\x1b'), "escape codes in a pipe: {err:?}");
}

#[test]
fn ctrl_c_under_a_terminal_keeps_honest_counts_and_prints_the_resume_command() {
    let (lab, _) = lab_with_failing_tenant(300, 11);
    let session = under_pty(
        &lab,
        &["run", "profile.yaml", "--progress", "bar", "-o", "runs"],
        &[],
        Some(Duration::from_millis(1200)),
    );
    let screen = session.screen();
    let shown = screen.join("\n");
    assert_eq!(session.code, 130, "{shown}");
    let run = only_run(&lab.path("runs"));
    let summary = final_summary(&run);
    let not_run = summary["counts"]["not_run"].as_u64().unwrap();
    assert!(not_run > 0, "{summary}");
    // The terminal echoes `^C` where the cursor is (past the bars' last column), which
    // can leave the frame drawn before the interrupt above the final one: judge the last.
    let frames: Vec<&String> = screen.iter().filter(|r| r.contains("steps/s")).collect();
    assert!(!frames.is_empty() && frames.len() <= 2, "{shown}");
    let last = frames[frames.len() - 1];
    assert!(!last.contains("12/12 tenants"), "the bar claims every tenant finished: {shown}");
    assert!(!last.contains("ETA"), "{shown}");
    assert!(last.contains(&format!("{not_run} not run")), "{shown}");
    let resume =
        format!("tenantrun run profile.yaml --resume runs/{}", run.file_name().unwrap().to_string_lossy());
    assert!(screen.iter().any(|r| r.trim() == resume), "no `{resume}` on screen:\n{shown}");
}

/// summary.json, asserted final (finished, interrupted, counts adding up to the plan).
fn final_summary(run: &Path) -> Value {
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    assert!(summary["finished_at"].is_string(), "summary.json left at its start state: {summary}");
    assert_eq!(summary["interrupted"], true, "{summary}");
    let c = &summary["counts"];
    let total: u64 = ["ok", "failed", "skipped", "not_run"].iter().map(|k| c[k].as_u64().unwrap()).sum();
    assert_eq!(total, 24, "{summary}");
    let journal = results(run).len() as u64;
    assert_eq!(c["ok"].as_u64().unwrap() + c["failed"].as_u64().unwrap(), journal, "{summary}");
    summary
}

/// Spawn a run with plain progress and send it SIGINT `count` times, `gap` apart,
/// after its first tenant finished and the emulator received `invokes` InvokeCommand calls.
fn interrupted_run(lab: &Lab, count: usize, gap: Duration, invokes: u64) -> std::process::Output {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    use std::io::BufRead;
    let mut child = lab
        .cmd()
        .args(["run", "profile.yaml", "-o", "runs", "--progress", "plain"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        if line.starts_with("[ 1/12]") {
            break;
        }
        line.clear();
    }
    assert!(line.starts_with("[ 1/12]"), "no tenant finished: {seen}");
    lab.wait_for_requests("invoke_command", invokes);
    let pid = Pid::from_raw(child.id() as i32);
    for i in 0..count {
        if i > 0 {
            std::thread::sleep(gap);
        }
        kill(pid, Signal::SIGINT).unwrap();
    }
    let rest = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });
    let mut out = child.wait_with_output().unwrap();
    out.stderr = format!("{seen}{}", rest.join().unwrap()).into_bytes();
    out
}

#[test]
fn first_ctrl_c_prints_the_resume_command_and_the_resume_finishes_the_run() {
    let (lab, _) = lab_with_failing_tenant(150, 11);
    let out = interrupted_run(&lab, 1, Duration::ZERO, 0);
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    let summary = final_summary(&run);
    let not_run = summary["counts"]["not_run"].as_u64().unwrap();
    assert!(not_run > 0, "{summary}");
    let err = String::from_utf8_lossy(&out.stderr);
    let id = run.file_name().unwrap().to_string_lossy().to_string();
    let hint = format!(
        "interrupted: {not_run} steps not run; results.jsonl holds every step that finished.\nresume with:\n  \
         tenantrun run profile.yaml --resume runs/{id}\n"
    );
    assert!(err.ends_with(&hint), "{err}");
    // The printed command, run as printed, finishes the job.
    let resumed = lab.run(&["run", "profile.yaml", "--resume", &format!("runs/{id}"), "--progress", "none"]);
    assert_eq!(resumed.status.code(), Some(1), "{}", show(&resumed));
    let after: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    assert_eq!(after["counts"]["not_run"], 0, "{after}");
    assert_eq!(after["counts"]["ok"], 22, "{after}");
    assert_eq!(after["counts"]["failed"], 2, "{after}");
}

#[test]
fn double_ctrl_c_stops_at_once_and_still_writes_the_final_summary() {
    // Every request is answered 3 s after it arrives; the signals go once the bad tenant
    // has failed ([ 1/12]) and another worker's InvokeCommand is in flight. A second
    // Ctrl-C must not wait for it: the journal keeps the bad tenant's lines only.
    let (lab, _) = lab_with_failing_tenant(3000, 11);
    let out = interrupted_run(&lab, 2, Duration::from_millis(200), 1);
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    let run = only_run(&lab.path("runs"));
    let journaled: Vec<String> =
        results(&run).iter().map(|r| r["tenant"].as_str().unwrap_or_default().to_string()).collect();
    assert!(
        !journaled.is_empty() && journaled.iter().all(|t| t == BAD),
        "in-flight steps abandoned: {journaled:?}"
    );
    let summary = final_summary(&run);
    assert!(summary["counts"]["not_run"].as_u64().unwrap() > 0, "{summary}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("aborted: steps in flight are abandoned; writing the summary"), "{err}");
    assert!(err.contains("resume with:\n  tenantrun run profile.yaml --resume runs/"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(interrupted)"), "{stdout}");
}
