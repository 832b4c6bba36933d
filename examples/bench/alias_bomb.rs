//! Point "alias-bomb": what refusing the billion-laughs profile costs. `tenantrun validate`
//! of the fixture (nine levels of nine aliases: 9^9 strings if expanded) must exit 2 with
//! the refusal; the row gives its CPU time and peak RSS as the kernel counted them.

use super::jobs::Bench;
use super::measure;

/// The fixture `tests/profile_load.rs` proves refused.
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/invalid/alias-bomb.yaml");
/// The refusal `validate` must print.
const REFUSAL: &str =
    "invalid YAML: anchors and aliases expand beyond the limit (an alias bomb?); refusing to expand them";

impl Bench {
    pub fn alias_bomb(&mut self) -> Result<(), String> {
        let dir = self.dir("alias-bomb")?;
        let runs = if self.quick { 1 } else { 5 };
        let args = vec!["validate".to_string(), FIXTURE.to_string()];
        let mut costs = Vec::new();
        for i in 0..runs {
            let label = format!("validate-{i}");
            let cost = measure::run(&self.bin, &args, &[], &dir, &label)?;
            let stderr =
                std::fs::read_to_string(dir.join(format!("{label}.stderr"))).map_err(|e| e.to_string())?;
            if cost.exit_code != 2 || !stderr.contains(REFUSAL) {
                return Err(format!(
                    "validate of the alias bomb exited {} without the refusal (logs in {})",
                    cost.exit_code,
                    dir.display()
                ));
            }
            costs.push(cost);
        }
        costs.sort_by_key(|c| c.cpu);
        let cost = costs[costs.len() / 2];
        let cpu_ms = cost.cpu.as_secs_f64() * 1000.0;
        let mib = cost.peak_rss_kib as f64 / 1024.0;
        self.row(
            "`validate` refuses the alias bomb (9 levels x 9 aliases)",
            format!("exit 2; **{cpu_ms:.0} ms CPU**, **{mib:.1} MiB** peak RSS (median of {runs})"),
            "refused; ≤ 100 ms CPU",
            Some(cpu_ms <= 100.0),
        );
        Ok(())
    }
}
