//! Point "scale": 100,000 tenants in one file (2,000 with `--quick`). `validate` and
//! `plan --format json` of it (wall, CPU, peak RSS; target ≤ 1.5 s), then a full run at
//! C=64 against a cold emulator, held to the rules of every run job (exit 0, every step
//! `ok`, 0 protocol violations), whose peak RSS is the row (target ≤ 64 MiB).

use super::jobs::Bench;
use super::measure;
use super::scenario::{self, STEPS};
use tenantrun::emulator::EmulatorConfig;

impl Bench {
    pub fn scale(&mut self) -> Result<(), String> {
        let n = if self.quick { 2_000 } else { 100_000 };
        let runs = if self.quick { 1 } else { 3 };
        let dir = self.dir("scale")?;
        let file = dir.join("tenants.yaml");
        scenario::write_single_file(&file, "http://127.0.0.1:9", n, 64, &STEPS).map_err(|e| e.to_string())?;
        let p = file.display().to_string();
        for (cmd, label, args) in [
            ("validate", "validate", vec!["validate", p.as_str()]),
            ("plan --format json", "plan_json", vec!["plan", p.as_str(), "--format", "json"]),
        ] {
            let args: Vec<String> = args.into_iter().map(str::to_string).collect();
            let cost = measure::median_wall(&self.bin, &args, &[], &dir, label, runs)?;
            if cost.exit_code != 0 {
                return Err(format!(
                    "{cmd} of {n} tenants exited {} (logs in {})",
                    cost.exit_code,
                    dir.display()
                ));
            }
            let secs = cost.wall.as_secs_f64();
            self.row(
                &format!("`{cmd}` of one {n}-tenant file"),
                format!(
                    "**{secs:.2} s** (median of {runs}; {:.2} s CPU, {:.1} MiB)",
                    cost.cpu.as_secs_f64(),
                    cost.peak_rss_kib as f64 / 1024.0
                ),
                "≤ 1.5 s",
                Some(secs <= 1.5),
            );
        }
        let job = self.job("scale-run", EmulatorConfig::default(), n, 64, &STEPS)?;
        let mib = job.cost.peak_rss_kib as f64 / 1024.0;
        self.row(
            &format!("peak RSS, {n} tenants, C=64 (every step ok, 0 violations)"),
            format!(
                "**{mib:.1} MiB** ({} steps in {:.1} s, {:.1} s CPU)",
                n * STEPS.len(),
                job.cost.wall.as_secs_f64(),
                job.cost.cpu.as_secs_f64()
            ),
            "≤ 64 MiB",
            Some(job.cost.peak_rss_kib <= 64 * 1024),
        );
        Ok(())
    }
}
