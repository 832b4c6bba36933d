//! The checks section of the summary table: (tenant, check) counts by status and
//! the failing checks by id, with how many tenants fail each.

use crate::output::Summary;
use std::fmt::Write;

/// Failing checks listed before the rest are only counted.
const MAX_FAILING_CHECKS: usize = 50;

/// The section, or nothing when the run judged no checks.
pub fn render_checks(summary: &Summary) -> String {
    let c = &summary.checks;
    let mut out = String::new();
    if c.counts.total() == 0 {
        return out;
    }
    let _ = writeln!(out, "\nChecks (tenant x check)");
    for (label, n) in [
        ("pass", c.counts.pass),
        ("fail", c.counts.fail),
        ("error", c.counts.error),
        ("exempt", c.counts.exempt),
    ] {
        let _ = writeln!(out, "  {label:<8} {n:>7}");
    }
    if c.failing.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\nFailing checks");
    let shown = &c.failing[..c.failing.len().min(MAX_FAILING_CHECKS)];
    let iw = shown.iter().map(|f| f.check.chars().count()).max().unwrap_or(5).max(5);
    let _ = writeln!(out, "  {:<iw$}  {:<8}  {:>7}  title", "check", "severity", "tenants");
    for f in shown {
        let title: String =
            f.title.as_deref().unwrap_or_default().chars().filter(|c| !c.is_control()).collect();
        let _ = writeln!(out, "  {:<iw$}  {:<8}  {:>7}  {title}", f.check, f.severity.as_str(), f.tenants);
    }
    if c.failing.len() > shown.len() {
        let _ = writeln!(out, "  … and {} more (see checks.jsonl)", c.failing.len() - shown.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expect::{CheckRecord, CheckStatus, Severity};
    use crate::output::summary::ChecksSummary;
    use crate::output::SelectionRecord;

    fn line(tenant: &str, check: &str, severity: Severity, status: CheckStatus) -> CheckRecord {
        CheckRecord {
            tenant: tenant.into(),
            tenant_name: None,
            check: check.into(),
            title: Some(format!("{check} title")),
            severity,
            command: "c".into(),
            step: 0,
            cmdlet: "Get-X".into(),
            status,
            outcome: status,
            objects_checked: 1,
            objects_failing: 0,
            failing: vec![],
            detail: String::new(),
            exemption: None,
        }
    }

    #[test]
    fn failing_checks_by_id_with_tenant_counts() {
        let lines = vec![
            line("a", "LOW-1", Severity::Low, CheckStatus::Fail),
            line("b", "LOW-1", Severity::Low, CheckStatus::Fail),
            line("a", "HIGH-1", Severity::High, CheckStatus::Fail),
            line("b", "HIGH-1", Severity::High, CheckStatus::Pass),
            line("c", "HIGH-1", Severity::High, CheckStatus::Exempt),
            line("c", "LOW-1", Severity::Low, CheckStatus::Error),
        ];
        let mut s =
            Summary::started("r".into(), String::new(), String::new(), vec![], SelectionRecord::default());
        assert_eq!(render_checks(&s), "");
        s.checks = ChecksSummary::from_lines(&lines);
        assert_eq!(
            render_checks(&s),
            "\nChecks (tenant x check)\n  pass           1\n  fail           3\n  error          1\n  exempt         1\n\
             \nFailing checks\n  check   severity  tenants  title\n  HIGH-1  high            1  HIGH-1 title\n  LOW-1   low             2  LOW-1 title\n"
        );
    }
}
