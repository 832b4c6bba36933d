//! The final summary table (stdout): counts by status, the slowest tenants, each
//! failure with tenant, cmdlet and message, and the run directory.

use crate::output::{StepRecord, StepStatus, Summary};
use std::fmt::Write;
use std::path::Path;

/// Failures listed in full before the rest are only counted.
const MAX_FAILURES: usize = 50;
/// Slowest tenants shown.
const SLOWEST: usize = 5;

/// Render the table. `records` are the effective records of the run.
pub fn render_summary(summary: &Summary, records: &[StepRecord], run_dir: &Path) -> String {
    let mut out = String::new();
    let c = &summary.counts;
    let _ =
        writeln!(out, "Run {}{}", summary.run_id, if summary.interrupted { " (interrupted)" } else { "" });
    let _ = writeln!(out, "  {:<8} {:>7}", "ok", c.ok);
    let _ = writeln!(out, "  {:<8} {:>7}", "failed", c.failed);
    let _ = writeln!(out, "  {:<8} {:>7}", "skipped", c.skipped);
    if c.not_run > 0 {
        let _ = writeln!(out, "  {:<8} {:>7}", "not run", c.not_run);
    }
    let _ = writeln!(out, "  {:<8} {:>7}", "tenants", summary.tenants.len());

    let mut slow: Vec<(&String, u64)> = summary.tenants.iter().map(|(t, s)| (t, s.duration_ms)).collect();
    slow.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    if !slow.is_empty() {
        let _ = writeln!(out, "\nSlowest tenants");
        let width = slow.iter().take(SLOWEST).map(|(t, _)| t.len()).max().unwrap_or(0);
        for (tenant, ms) in slow.iter().take(SLOWEST) {
            let _ = writeln!(out, "  {tenant:<width$}  {:>8.1}s", *ms as f64 / 1000.0);
        }
    }

    let failures: Vec<&StepRecord> = records.iter().filter(|r| r.status == StepStatus::Failed).collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nFailures");
        let tw = failures.iter().take(MAX_FAILURES).map(|r| r.tenant.len()).max().unwrap_or(6).max(6);
        let cw = failures.iter().take(MAX_FAILURES).map(|r| r.cmdlet.len()).max().unwrap_or(6).max(6);
        let _ = writeln!(out, "  {:<tw$}  {:<cw$}  {:<9}  message", "tenant", "cmdlet", "kind");
        for r in failures.iter().take(MAX_FAILURES) {
            let (kind, msg) = match &r.error {
                Some(e) => (e.kind.as_str(), one_line(&e.message)),
                None => ("", String::new()),
            };
            let _ = writeln!(out, "  {:<tw$}  {:<cw$}  {kind:<9}  {msg}", r.tenant, r.cmdlet);
        }
        if failures.len() > MAX_FAILURES {
            let _ = writeln!(out, "  … and {} more (see results.jsonl)", failures.len() - MAX_FAILURES);
        }
    }
    out.push_str(&super::checks_table::render_checks(summary));
    let _ = writeln!(out, "\nRun directory: {}", run_dir.display());
    out
}

fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 160 {
        let cut: String = flat.chars().take(159).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adminapi::ErrorKind;
    use crate::output::{SelectionRecord, StepError};
    use crate::profile::Service;

    #[test]
    fn table_lists_counts_slowest_and_failures() {
        let rec = |t: &str, status, error: Option<StepError>| StepRecord {
            tenant: t.into(),
            command: "labels".into(),
            step: 0,
            cmdlet: "Get-Label".into(),
            service: Service::Compliance,
            status,
            attempts: 1,
            duration_ms: 5,
            item_count: None,
            items: None,
            warnings: vec![],
            error,
        };
        let records = vec![
            rec("a.example", StepStatus::Ok, None),
            rec(
                "b.example",
                StepStatus::Failed,
                Some(StepError {
                    kind: ErrorKind::Throttled,
                    status: Some(429),
                    code: None,
                    message: "slow\ndown".into(),
                }),
            ),
        ];
        let mut s =
            Summary::started("RID".into(), String::new(), String::new(), vec![], SelectionRecord::default());
        s.tally(&[("a.example".to_string(), 1), ("b.example".to_string(), 1)].into(), &records);
        let text = render_summary(&s, &records, Path::new("runs/RID"));
        assert!(
            text.starts_with("Run RID\n  ok             1\n  failed         1\n  skipped        0\n"),
            "{text}"
        );
        assert!(text.contains("\nSlowest tenants\n  a.example       0.0s\n"), "{text}");
        assert!(text.contains("  b.example  Get-Label  throttled  slow down\n"), "{text}");
        assert!(text.ends_with("\nRun directory: runs/RID\n"), "{text}");
    }
}
