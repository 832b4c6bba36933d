//! Running the real `tenantrun` binary and measuring it: wall time, CPU (user+sys) and
//! peak RSS, all three read from the kernel after the child has exited.
//!
//! Each measured child runs under a small measurer: this same bench binary started with
//! [`MEASURE_FLAG`], whose only child is `tenantrun`. Once `tenantrun` is reaped, the
//! measurer's `getrusage(RUSAGE_CHILDREN)` holds exactly that child's CPU time and its
//! high-water RSS (`ru_maxrss`, the kernel's own peak, which sampling `VmHWM` while it runs
//! could miss in the last interval); the measurer writes them to a file the bench reads.

use nix::sys::resource::{getrusage, UsageWho};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The hidden first argument that makes the bench binary a measurer:
/// `bench --measure-child REPORT BIN ARGS...`.
pub const MEASURE_FLAG: &str = "--measure-child";

/// What one child process cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cost {
    pub wall: Duration,
    pub cpu: Duration,
    pub peak_rss_kib: u64,
    pub exit_code: i32,
}

/// Run `bin args...` with `envs`, stdout and stderr to `LABEL.stdout`/`LABEL.stderr` in
/// `log_dir`, under a measurer.
pub fn run(
    bin: &Path,
    args: &[String],
    envs: &[(&str, &str)],
    log_dir: &Path,
    label: &str,
) -> Result<Cost, String> {
    let file = |ext: &str| {
        let path = log_dir.join(format!("{label}.{ext}"));
        std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let (stdout, stderr) = (file("stdout")?, file("stderr")?);
    let report = log_dir.join(format!("{label}.cost"));
    let me = std::env::current_exe().map_err(|e| format!("cannot locate the bench binary: {e}"))?;
    let status = Command::new(&me)
        .arg(MEASURE_FLAG)
        .arg(&report)
        .arg(bin)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .status()
        .map_err(|e| format!("cannot start the measurer {}: {e}", me.display()))?;
    if !status.success() {
        return Err(format!("the measurer of {label} failed ({status}; see {label}.stderr)"));
    }
    let text = std::fs::read_to_string(&report).map_err(|e| format!("{}: {e}", report.display()))?;
    parse_report(&text).ok_or_else(|| format!("{}: unreadable measurement {text:?}", report.display()))
}

/// `exit_code wall_us cpu_us maxrss_kib`.
fn parse_report(text: &str) -> Option<Cost> {
    let mut f = text.split_whitespace();
    let exit_code = f.next()?.parse().ok()?;
    let wall = Duration::from_micros(f.next()?.parse().ok()?);
    let cpu = Duration::from_micros(f.next()?.parse().ok()?);
    let peak_rss_kib = f.next()?.parse().ok()?;
    Some(Cost { wall, cpu, peak_rss_kib, exit_code })
}

/// The measurer: `args` is `REPORT BIN ARGS...` (after [`MEASURE_FLAG`]). Stdio and the
/// environment pass through to the child.
pub fn measurer(args: &[String]) -> ExitCode {
    let [report, bin, rest @ ..] = args else {
        eprintln!("usage: bench {MEASURE_FLAG} REPORT BIN [ARGS...]");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let status = match Command::new(bin).args(rest).status() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench: cannot start {bin}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let wall = start.elapsed();
    let usage = match getrusage(UsageWho::RUSAGE_CHILDREN) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("bench: getrusage: {e}");
            return ExitCode::FAILURE;
        }
    };
    let us = |tv: nix::sys::time::TimeVal| tv.tv_sec().max(0) as u64 * 1_000_000 + tv.tv_usec().max(0) as u64;
    let line = format!(
        "{} {} {} {}\n",
        status.code().unwrap_or(-1),
        wall.as_micros(),
        us(usage.user_time()) + us(usage.system_time()),
        usage.max_rss().max(0),
    );
    match std::fs::write(report, line) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {report}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Median of `runs` measurements of the same command.
pub fn median_wall(
    bin: &Path,
    args: &[String],
    envs: &[(&str, &str)],
    log_dir: &Path,
    label: &str,
    runs: usize,
) -> Result<Cost, String> {
    let mut costs = Vec::new();
    for i in 0..runs.max(1) {
        costs.push(run(bin, args, envs, log_dir, &format!("{label}-{i}"))?);
    }
    costs.sort_by_key(|c| c.wall);
    Ok(costs[costs.len() / 2])
}
