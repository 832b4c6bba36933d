//! Running the real `tenantrun` binary and measuring it: wall time, CPU (user+sys,
//! from `getrusage(RUSAGE_CHILDREN)` deltas, exact) and peak RSS (the kernel's
//! high-water mark `VmHWM`, sampled from `/proc/<pid>/status` until the child exits).

use nix::sys::resource::{getrusage, UsageWho};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one child process cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cost {
    pub wall: Duration,
    pub cpu: Duration,
    pub peak_rss_kib: u64,
    pub exit_code: i32,
}

fn children_cpu() -> Duration {
    match getrusage(UsageWho::RUSAGE_CHILDREN) {
        Ok(u) => {
            let t = |tv: nix::sys::time::TimeVal| {
                Duration::from_secs(tv.tv_sec().max(0) as u64)
                    + Duration::from_micros(tv.tv_usec().max(0) as u64)
            };
            t(u.user_time()) + t(u.system_time())
        }
        Err(_) => Duration::ZERO,
    }
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Run `bin args...` with `envs`, stdout and stderr to files in `log_dir`.
pub fn run(
    bin: &Path,
    args: &[String],
    envs: &[(&str, &str)],
    log_dir: &Path,
    label: &str,
) -> Result<Cost, String> {
    let stdout = std::fs::File::create(log_dir.join(format!("{label}.stdout"))).map_err(|e| e.to_string())?;
    let stderr = std::fs::File::create(log_dir.join(format!("{label}.stderr"))).map_err(|e| e.to_string())?;
    let cpu_before = children_cpu();
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let wall = start.elapsed();
    let cpu = children_cpu().saturating_sub(cpu_before);
    Ok(Cost { wall, cpu, peak_rss_kib: peak, exit_code: status.code().unwrap_or(-1) })
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
