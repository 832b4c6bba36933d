//! The benchmark points: each job starts a cold emulator with the faults it needs (no
//! dataset or token left warm by an earlier job), runs the real binary, checks the run was
//! correct (exit 0, every step ok, 0 protocol violations), and adds rows to the table.

use super::measure::{self, Cost};
use super::scenario::{self, SECRET, SECRET_ENV, STEPS};
use super::Row;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tenantrun::emulator::{Emulator, EmulatorConfig, EmulatorHandle, Stats, TenantConfig};
use tenantrun::output::journal;
use tenantrun::output::rundir::RESULTS;
use tenantrun::output::StepStatus;

/// The `tenantrun` binary next to this example (`target/<profile>/tenantrun`).
pub fn sibling_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().and_then(Path::parent).ok_or("cannot locate target directory")?;
    let bin = dir.join("tenantrun");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "{} not found (hint: cargo build --release --bins --examples, or pass --bin PATH)",
            bin.display()
        ))
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The outcome of one `tenantrun run`.
pub struct Job {
    pub cost: Cost,
    pub not_ok: usize,
    pub stats: Stats,
    /// Per tenant, the sum over its steps of (attempts - 1).
    pub retries_per_tenant: BTreeMap<String, u64>,
    /// Objects the run's steps returned (the journal's `item_count`s).
    pub items: u64,
}

pub struct Bench {
    pub bin: PathBuf,
    pub quick: bool,
    pub rows: Vec<Row>,
    work: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    /// The overhead run's emulator counters, reused by the tokens point.
    overhead_stats: Option<(usize, Stats)>,
}

impl Bench {
    /// `work`: where profiles and run directories go (default: tmpfs `/dev/shm` when
    /// present, so the figures measure tenantrun rather than the disk).
    pub fn new(bin: PathBuf, quick: bool, work: Option<PathBuf>) -> Result<Self, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let parent = work.unwrap_or_else(|| {
            let shm = PathBuf::from("/dev/shm");
            if shm.is_dir() {
                shm
            } else {
                std::env::temp_dir()
            }
        });
        let work = tempfile::Builder::new()
            .prefix("tenantrun-bench-")
            .tempdir_in(&parent)
            .map_err(|e| e.to_string())?;
        eprintln!("bench: work directory {}", work.path().display());
        Ok(Bench { bin, quick, rows: Vec::new(), work, rt, overhead_stats: None })
    }

    pub(crate) fn row(&mut self, point: &str, figure: String, target: &str, met: Option<bool>) {
        eprintln!("  {point}: {figure} (target {target})");
        self.rows.push(Row { point: point.into(), figure, target: target.into(), met });
    }

    pub(crate) fn emulator(&self, config: EmulatorConfig) -> Result<EmulatorHandle, String> {
        self.rt.block_on(Emulator::start(config)).map_err(|e| e.to_string())
    }

    pub(crate) fn dir(&self, label: &str) -> Result<PathBuf, String> {
        let d = self.work.path().join(label);
        std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
        Ok(d)
    }

    /// Stop an emulator a point started.
    pub(crate) fn stop(&self, emu: EmulatorHandle) {
        self.rt.block_on(emu.shutdown());
    }

    /// Run `tenantrun run` over `n` tenants with `c` in flight against a cold emulator
    /// started with `config`, stopped afterwards.
    pub(crate) fn job(
        &self,
        label: &str,
        config: EmulatorConfig,
        n: usize,
        c: usize,
        steps: &[&str],
    ) -> Result<Job, String> {
        let emu = self.emulator(config)?;
        let job = self.job_on(label, &emu, n, c, steps);
        self.stop(emu);
        job
    }

    fn job_on(
        &self,
        label: &str,
        emu: &EmulatorHandle,
        n: usize,
        c: usize,
        steps: &[&str],
    ) -> Result<Job, String> {
        self.job_j(label, emu, n, c, &c.to_string(), steps)
    }

    /// As [`Bench::job_on`], with `-j` given as text (`auto` or a number) and the profile's
    /// `defaults.concurrency` at `c`.
    pub(crate) fn job_j(
        &self,
        label: &str,
        emu: &EmulatorHandle,
        n: usize,
        c: usize,
        j: &str,
        steps: &[&str],
    ) -> Result<Job, String> {
        let dir = self.dir(label)?;
        let profile = dir.join("profile.yaml");
        scenario::write_single_file(&profile, emu.base_url().as_str(), n, c, steps)
            .map_err(|e| e.to_string())?;
        let out = dir.join("out");
        let args: Vec<String> = vec![
            "run".into(),
            profile.display().to_string(),
            "-j".into(),
            j.to_string(),
            "--progress".into(),
            "none".into(),
            "-o".into(),
            out.display().to_string(),
        ];
        let cost = measure::run(&self.bin, &args, &[(SECRET_ENV, SECRET)], &dir, "run")?;
        let stats = emu.stats();
        let tally = read_journal(&out)?;
        if cost.exit_code != 0 || tally.ok != n * steps.len() || stats.violations_total() != 0 {
            return Err(format!(
                "{label}: exit {} with {} ok / {} not ok of {} steps, {} protocol violations (logs in {})",
                cost.exit_code,
                tally.ok,
                tally.not_ok,
                n * steps.len(),
                stats.violations_total(),
                dir.display()
            ));
        }
        Ok(Job { cost, not_ok: tally.not_ok, stats, retries_per_tenant: tally.retries, items: tally.items })
    }

    /// 1. Fan-out efficiency: wall / (N·M·L/C) at L = 50 ms.
    pub fn fanout(&mut self) -> Result<(), String> {
        let points: &[(usize, usize)] =
            if self.quick { &[(200, 64)] } else { &[(1000, 64), (1000, 256), (10_000, 64), (10_000, 256)] };
        let latency = 50u64;
        for &(n, c) in points {
            let config = EmulatorConfig { latency_ms: latency, ..Default::default() };
            let job = self.job(&format!("fanout-{n}-{c}"), config, n, c, &STEPS)?;
            let ideal = (n * STEPS.len()) as f64 * latency as f64 / 1000.0 / c as f64;
            let ratio = job.cost.wall.as_secs_f64() / ideal;
            self.row(
                &format!("fan-out N={n} M=3 L={latency}ms C={c}"),
                format!("{:.2} s / ideal {:.2} s = **{ratio:.3}**", job.cost.wall.as_secs_f64(), ideal),
                "≤ 1.05",
                Some(ratio <= 1.05),
            );
        }
        Ok(())
    }

    /// 2. Client overhead at L = 0: steps/s and client CPU per step. Also 3a (RSS) and 4 (tokens).
    pub fn overhead(&mut self) -> Result<(), String> {
        let n = if self.quick { 300 } else { 10_000 };
        let job = self.job("overhead", EmulatorConfig::default(), n, 256, &STEPS)?;
        let steps = (n * STEPS.len()) as f64;
        let rate = steps / job.cost.wall.as_secs_f64();
        let cpu_us = job.cost.cpu.as_secs_f64() * 1e6 / steps;
        self.row(
            &format!("steps/s, N={n} M=3 L=0 C=256 (emulator on the same 2 cores)"),
            format!("**{rate:.0}** steps/s ({} steps in {:.2} s)", steps as u64, job.cost.wall.as_secs_f64()),
            "≥ 20,000",
            Some(rate >= 20_000.0),
        );
        self.row(
            "client CPU per step (user+sys of tenantrun ÷ steps)",
            format!("**{cpu_us:.1} µs** ({:.2} s CPU)", job.cost.cpu.as_secs_f64()),
            "≤ 50 µs",
            Some(cpu_us <= 50.0),
        );
        self.row(
            &format!("peak RSS, {n} tenants, C=256"),
            format!("**{:.1} MiB**", job.cost.peak_rss_kib as f64 / 1024.0),
            "≤ 64 MiB",
            Some(job.cost.peak_rss_kib <= 64 * 1024),
        );
        self.overhead_stats = Some((n, job.stats));
        Ok(())
    }

    /// A peak-RSS row against the 64 MiB target.
    fn rss_row(&mut self, point: &str, cost: &Cost) {
        let mib = cost.peak_rss_kib as f64 / 1024.0;
        let figure = format!("**{mib:.1} MiB** ({:.2} s)", cost.wall.as_secs_f64());
        self.row(point, figure, "≤ 64 MiB", Some(cost.peak_rss_kib <= 64 * 1024));
    }

    /// Point 3, memory: 10,000 tenants at C = 64, and one tenant whose
    /// `Get-Mailbox` returns 100,000 objects.
    pub fn memory(&mut self) -> Result<(), String> {
        let n = if self.quick { 300 } else { 10_000 };
        let job = self.job("memory-tenants", EmulatorConfig::default(), n, 64, &STEPS)?;
        self.rss_row(&format!("peak RSS, {n} tenants, C=64"), &job.cost);
        let objects = if self.quick { 5_000 } else { 100_000 };
        let tenant = scenario::tenant_id(1);
        let mut sizes = BTreeMap::new();
        sizes.insert("Get-Mailbox".to_string(), objects);
        let config = EmulatorConfig {
            tenants: vec![TenantConfig { id: tenant, sizes, ..Default::default() }],
            ..Default::default()
        };
        let step = "{ cmdlet: Get-Mailbox, service: exchange, parameters: { ResultSize: Unlimited } }";
        let job = self.job("memory", config, 1, 1, &[step])?;
        if (job.stats.items_served, job.items) != (objects as u64, objects as u64) {
            return Err(format!(
                "emulator served {} mailboxes and the run kept {}, expected {objects}",
                job.stats.items_served, job.items
            ));
        }
        self.rss_row(&format!("peak RSS, 1 tenant, Get-Mailbox → {objects} objects"), &job.cost);
        Ok(())
    }

    /// 4. Token requests per (tenant, resource), from the overhead run's emulator counters.
    pub fn tokens(&mut self) -> Result<(), String> {
        let (n, stats) = match self.overhead_stats.take() {
            Some(s) => s,
            None => {
                let n = if self.quick { 100 } else { 1000 };
                let job = self.job("tokens", EmulatorConfig::default(), n, 256, &STEPS)?;
                (n, job.stats)
            }
        };
        let mut per_pair: BTreeMap<(String, String), u64> = BTreeMap::new();
        for t in &stats.tokens {
            *per_pair.entry((t.tenant.clone(), t.resource.clone())).or_default() += t.count;
        }
        let max = per_pair.values().copied().max().unwrap_or(0);
        let min = per_pair.values().copied().min().unwrap_or(0);
        self.row(
            &format!("token requests per (tenant, resource), {n} tenants"),
            format!(
                "min {min}, max **{max}** over {} pairs ({} tokens)",
                per_pair.len(),
                stats.tokens_issued
            ),
            "exactly 1",
            Some(min == 1 && max == 1 && per_pair.len() == n),
        );
        Ok(())
    }

    /// Point 5, throttled throughput: every 3rd call of a tenant is a 429 with Retry-After: 1.
    /// Two-sided: each retry comes no sooner than Retry-After after its 429 (the emulator's
    /// call log), and the run takes at least, and at most 1.2x, the waits it implies.
    pub fn throttled(&mut self) -> Result<(), String> {
        let n = if self.quick { 5 } else { 50 };
        let retry_after = 1u64;
        let config = EmulatorConfig {
            throttle_every: 3,
            retry_after_secs: retry_after,
            record_calls: true,
            ..Default::default()
        };
        let job = self.job("throttled", config, n, n, &STEPS)?;
        // Each tenant's throttles are sequential, tenants run in parallel: the run cannot
        // finish before the most-throttled tenant has waited out all its Retry-After delays.
        let worst = job.retries_per_tenant.values().copied().max().unwrap_or(0);
        let implied = Duration::from_secs(worst * retry_after);
        let ratio = job.cost.wall.as_secs_f64() / implied.as_secs_f64().max(f64::EPSILON);
        let shortest = shortest_wait_after_429(&job.stats);
        let waited = shortest.is_some_and(|w| w >= Duration::from_secs(retry_after));
        let figure = format!(
            "{} failures, {} throttles, shortest wait after a 429 {}; {:.2} s / implied {:.0} s = **{ratio:.2}**",
            job.not_ok,
            job.stats.throttled,
            shortest.map_or("none".into(), |w| format!("{:.3} s", w.as_secs_f64())),
            job.cost.wall.as_secs_f64(),
            implied.as_secs_f64()
        );
        self.row(
            &format!("throttled: {n} tenants, 429 every 3rd call, Retry-After {retry_after}s"),
            figure,
            "0 failures, every wait ≥ Retry-After, 1.0 ≤ ratio ≤ 1.2",
            Some(job.not_ok == 0 && worst > 0 && waited && (1.0..=1.2).contains(&ratio)),
        );
        if !waited {
            return Err(format!(
                "a retry came sooner than Retry-After ({retry_after} s) after its 429: {shortest:?}"
            ));
        }
        Ok(())
    }

    /// Point 6, startup: validate and plan of a generated GitOps folder (a base file plus one
    /// file per tenant) and of the same tenants in one file, process start included.
    pub fn startup(&mut self) -> Result<(), String> {
        let n = if self.quick { 1000 } else { 10_000 };
        let runs = if self.quick { 1 } else { 5 };
        let dir = self.dir("startup")?;
        let folder = dir.join("profile");
        scenario::write_folder(&folder, "http://127.0.0.1:9", n, 64).map_err(|e| e.to_string())?;
        let single = dir.join("single.yaml");
        scenario::write_single_file(&single, "http://127.0.0.1:9", n, 64, &STEPS)
            .map_err(|e| e.to_string())?;
        let shapes = [
            (format!("a {n}-tenant folder ({} files)", n + 1), folder),
            (format!("one {n}-tenant file"), single),
        ];
        for (shape, path) in shapes {
            let p = path.display().to_string();
            let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<String>>();
            for (cmd, args) in [
                ("validate", s(&["validate", &p])),
                ("plan --format json", s(&["plan", &p, "--format", "json"])),
                ("plan -t tag:emea --shard 2/3", s(&["plan", &p, "-t", "tag:emea", "--shard", "2/3"])),
            ] {
                let label = cmd.split_whitespace().collect::<Vec<_>>().join("_").replace(['/', ':'], "-");
                let label = format!("{}-{label}", if shape.starts_with("one") { "file" } else { "folder" });
                let cost = measure::median_wall(&self.bin, &args, &[], &dir, &label, runs)?;
                if cost.exit_code != 0 {
                    return Err(format!(
                        "{cmd} of {shape} exited {} (logs in {})",
                        cost.exit_code,
                        dir.display()
                    ));
                }
                let ms = cost.wall.as_secs_f64() * 1000.0;
                self.row(
                    &format!("`{cmd}` of {shape}"),
                    format!(
                        "**{ms:.0} ms** (median of {runs}; {:.0} ms CPU, {:.1} MiB)",
                        cost.cpu.as_secs_f64() * 1000.0,
                        cost.peak_rss_kib as f64 / 1024.0
                    ),
                    "≤ 300 ms",
                    Some(ms <= 300.0),
                );
            }
        }
        Ok(())
    }

    /// Point 7, the PowerShell-style loop (one tenant at a time) vs tenantrun, each on a cold
    /// emulator of its own, both held to the same rule: every answer a success, 0 protocol
    /// violations, and the same objects counted.
    pub fn sequential(&mut self) -> Result<(), String> {
        let n = if self.quick { 10 } else { 100 };
        let latency = 50u64;
        let config = EmulatorConfig { latency_ms: latency, ..Default::default() };
        let tenants: Vec<String> = (1..=n).map(scenario::tenant_id).collect();
        let emu = self.emulator(config.clone())?;
        let base = emu.base_url().to_string();
        let baseline = self.rt.block_on(super::sequential::run(&base, &tenants));
        let stats = emu.stats();
        self.stop(emu);
        let (seq_wall, seq_items) = baseline?;
        if stats.violations_total() != 0 || stats.items_served != seq_items {
            return Err(format!(
                "the loop: {} protocol violations, {seq_items} objects read of {} served",
                stats.violations_total(),
                stats.items_served
            ));
        }
        let job = self.job("sequential-vs", config, n, 64, &STEPS)?;
        if job.items != seq_items {
            return Err(format!("tenantrun kept {} objects, the loop read {seq_items}", job.items));
        }
        let ratio = seq_wall.as_secs_f64() / job.cost.wall.as_secs_f64();
        self.row(
            &format!("one tenant at a time vs tenantrun -j 64, {n} tenants, L={latency}ms"),
            format!(
                "loop {:.2} s ({:.0} ms/tenant) vs tenantrun {:.2} s, {seq_items} objects each: **{ratio:.0}× faster**",
                seq_wall.as_secs_f64(),
                seq_wall.as_secs_f64() * 1000.0 / n as f64,
                job.cost.wall.as_secs_f64()
            ),
            "report",
            None,
        );
        Ok(())
    }
}

/// The shortest time between a 429 and the same tenant's next call (None: no 429 followed by a call).
fn shortest_wait_after_429(stats: &Stats) -> Option<Duration> {
    let mut by_tenant: BTreeMap<&str, Vec<&tenantrun::emulator::CallRecord>> = BTreeMap::new();
    for call in &stats.calls {
        by_tenant.entry(call.tenant.as_str()).or_default().push(call);
    }
    by_tenant
        .values()
        .flat_map(|calls| calls.windows(2))
        .filter(|pair| pair[0].status == 429)
        .map(|pair| Duration::from_micros(pair[1].received_us.saturating_sub(pair[0].answered_us)))
        .min()
}

/// What a run's journal says: ok and not-ok steps (the project's own reader, last line per
/// step wins), retries per tenant, objects kept.
struct Tally {
    ok: usize,
    not_ok: usize,
    retries: BTreeMap<String, u64>,
    items: u64,
}

/// The run directory `tenantrun run -o OUT` made (the one folder under `out` with a journal).
pub(crate) fn run_dir(out: &Path) -> Result<PathBuf, String> {
    std::fs::read_dir(out)
        .map_err(|e| format!("{}: {e}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.join(RESULTS).is_file())
        .ok_or_else(|| format!("no run directory with {RESULTS} under {}", out.display()))
}

fn read_journal(out: &Path) -> Result<Tally, String> {
    let results = run_dir(out)?.join(RESULTS);
    let records = journal::effective(journal::read(&results).map_err(|e| e.to_string())?);
    let ok = records.iter().filter(|r| r.status == StepStatus::Ok).count();
    let mut retries: BTreeMap<String, u64> = BTreeMap::new();
    for r in &records {
        *retries.entry(r.tenant.clone()).or_default() += u64::from(r.attempts.saturating_sub(1));
    }
    let items = records.iter().filter_map(|r| r.item_count).sum();
    Ok(Tally { ok, not_ok: records.len() - ok, retries, items })
}
