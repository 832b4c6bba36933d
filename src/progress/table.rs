//! The final summary table (stdout, and `summary.txt` in the run directory): counts by
//! status, elapsed time, requests, retries and throttles, the slowest tenants (when any
//! took a second or more), and the failures grouped by cause with whole, wrapped
//! messages, then the run directory. Each section is its own function so later ones
//! (e.g. failing checks) slot in between.

use super::failure_groups::{group_failures, FailureGroup};
use crate::output::{StepRecord, Summary};
use crate::server_text;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;
use std::path::Path;

/// Failure groups listed before the rest are only counted.
const MAX_GROUPS: usize = 50;
/// Tenants named per failure group.
const NAMED_TENANTS: usize = 10;
/// Slowest tenants shown.
const SLOWEST: usize = 5;
/// Message lines are wrapped at this width (after their indent).
const WRAP: usize = 100;

/// What the sections read.
struct Ctx<'a> {
    summary: &'a Summary,
    /// The effective records, or only the failed ones (the others are not read).
    records: &'a [StepRecord],
    /// Tenant id → name, from the records (at least of every tenant the table names).
    names: BTreeMap<&'a str, &'a str>,
}

impl Ctx<'_> {
    /// `id (Name)`, or the id alone (names can come from a directory service: cleaned).
    fn label(&self, tenant: &str) -> String {
        let label = match self.names.get(tenant) {
            Some(name) => format!("{tenant} ({name})"),
            None => tenant.to_string(),
        };
        server_text::clean_line(&label).into_owned()
    }
}

/// Render the table. `records` are the effective records of the run.
pub fn render_summary(summary: &Summary, records: &[StepRecord], run_dir: &Path) -> String {
    let names =
        records.iter().filter_map(|r| r.tenant_name.as_deref().map(|n| (r.tenant.as_str(), n))).collect();
    render(Ctx { summary, records, names }, run_dir)
}

/// [`render_summary`] from the run's failed effective records alone and the names of
/// (at least) the tenants in [`labelled_tenants`]: the same text, without the records
/// of every step in memory.
pub fn render_failed(
    summary: &Summary,
    failed: &[StepRecord],
    names: &BTreeMap<String, String>,
    run_dir: &Path,
) -> String {
    let names = names.iter().map(|(t, n)| (t.as_str(), n.as_str())).collect();
    render(Ctx { summary, records: failed, names }, run_dir)
}

/// The tenants the table may name: the slowest and those of the failed records.
pub fn labelled_tenants<'a>(summary: &'a Summary, failed: &'a [StepRecord]) -> HashSet<&'a str> {
    let slow = by_duration(summary).into_iter().take(SLOWEST).map(|(t, _)| t.as_str());
    slow.chain(failed.iter().map(|r| r.tenant.as_str())).collect()
}

fn render(cx: Ctx<'_>, run_dir: &Path) -> String {
    let summary = cx.summary;
    let mut out = String::new();
    counts(&cx, &mut out);
    slowest(&cx, &mut out);
    failures(&cx, &mut out);
    // Failing checks (SPEC §7).
    out.push_str(&super::checks_table::render_checks(summary));
    let _ = writeln!(out, "\nRun directory: {}", run_dir.display());
    out
}

fn counts(cx: &Ctx<'_>, out: &mut String) {
    let s = cx.summary;
    let c = &s.counts;
    let _ = writeln!(out, "Run {}{}", s.run_id, if s.interrupted { " (interrupted)" } else { "" });
    let _ = writeln!(out, "  {:<9} {:>7}", "ok", c.ok);
    let _ = writeln!(out, "  {:<9} {:>7}", "failed", c.failed);
    let _ = writeln!(out, "  {:<9} {:>7}", "skipped", c.skipped);
    if c.not_run > 0 {
        let _ = writeln!(out, "  {:<9} {:>7}", "not run", c.not_run);
    }
    let _ = writeln!(out, "  {:<9} {:>7}", "tenants", s.tenants.len());
    if let Some(elapsed) = elapsed(s) {
        let since = if s.resumes > 0 { " (since the first start)" } else { "" };
        let _ = writeln!(out, "  {:<9} {:>7}{since}", "elapsed", format_duration(elapsed));
    }
    let t = &s.totals;
    let _ = writeln!(out, "  {:<9} {:>7}", "requests", t.requests);
    let _ = writeln!(out, "  {:<9} {:>7}", "retries", t.retries);
    let _ = writeln!(out, "  {:<9} {:>7}", "throttled", t.throttled);
}

/// Seconds from `started_at` to `finished_at`.
fn elapsed(s: &Summary) -> Option<f64> {
    use time::format_description::well_known::Rfc3339;
    let start = time::OffsetDateTime::parse(&s.started_at, &Rfc3339).ok()?;
    let end = time::OffsetDateTime::parse(s.finished_at.as_deref()?, &Rfc3339).ok()?;
    Some((end - start).as_seconds_f64().max(0.0))
}

fn format_duration(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let total = secs.round() as u64;
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
        if h > 0 {
            format!("{h}h{m:02}m{s:02}s")
        } else {
            format!("{m}m{s:02}s")
        }
    }
}

/// Tenants by their summed step durations, slowest first (then by id).
fn by_duration(summary: &Summary) -> Vec<(&String, u64)> {
    let mut slow: Vec<(&String, u64)> = summary.tenants.iter().map(|(t, s)| (t, s.duration_ms)).collect();
    slow.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    slow
}

fn slowest(cx: &Ctx<'_>, out: &mut String) {
    let slow = by_duration(cx.summary);
    // When every tenant took under a second the list says nothing.
    if slow.first().is_none_or(|(_, ms)| *ms < 1000) {
        return;
    }
    let _ = writeln!(out, "\nSlowest tenants");
    let labels: Vec<String> = slow.iter().take(SLOWEST).map(|(t, _)| cx.label(t)).collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    for (label, (_, ms)) in labels.iter().zip(&slow) {
        let _ = writeln!(out, "  {label:<width$}  {:>8.1}s", *ms as f64 / 1000.0);
    }
}

fn failures(cx: &Ctx<'_>, out: &mut String) {
    let groups = group_failures(cx.records);
    if groups.is_empty() {
        return;
    }
    let steps: usize = groups.iter().map(|g| g.records.len()).sum();
    let _ = writeln!(
        out,
        "\nFailures ({steps} step{}, {} cause{})",
        if steps == 1 { "" } else { "s" },
        groups.len(),
        if groups.len() == 1 { "" } else { "s" }
    );
    for g in groups.iter().take(MAX_GROUPS) {
        failure_group(cx, g, out);
    }
    if groups.len() > MAX_GROUPS {
        let rest: usize = groups[MAX_GROUPS..].iter().map(|g| g.records.len()).sum();
        let _ = writeln!(
            out,
            "  … and {} more causes ({rest} steps; see results.jsonl)",
            groups.len() - MAX_GROUPS
        );
    }
}

fn failure_group(cx: &Ctx<'_>, g: &FailureGroup<'_>, out: &mut String) {
    let tenants = g.tenants();
    let kind = match (g.kind, g.exception_type.map(short_type)) {
        ("", _) => String::new(),
        (kind, None) => format!(" ({kind})"),
        (kind, Some(ty)) => format!(" ({kind}, {})", server_text::clean_line(ty)),
    };
    if tenants.len() == 1 {
        let _ = writeln!(out, "  {}{kind} in {}", g.cmdlet, cx.label(&tenants[0].tenant));
    } else {
        let mut named: Vec<String> =
            tenants.iter().take(NAMED_TENANTS).map(|r| cx.label(&r.tenant)).collect();
        if tenants.len() > NAMED_TENANTS {
            named.push(format!("… {} more", tenants.len() - NAMED_TENANTS));
        }
        let _ = writeln!(out, "  {}{kind} in {} tenants:", g.cmdlet, tenants.len());
        for line in wrap_list(&named, WRAP) {
            let _ = writeln!(out, "      {line}");
        }
    }
    for line in wrap(&server_text::clean(&g.message), WRAP) {
        let _ = writeln!(out, "    {line}");
    }
}

/// `Microsoft.Exchange.….ParameterTransformationException` → `ParameterTransformationException`:
/// the last name says what went wrong, the namespace only where.
fn short_type(full: &str) -> &str {
    full.rsplit('.').find(|s| !s.is_empty()).unwrap_or(full)
}

/// `items` joined by ", " in lines of at most `width` characters, never splitting an item.
fn wrap_list(items: &[String], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() { format!("{item},") } else { item.clone() };
        if !line.is_empty() && line.chars().count() + 1 + piece.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Words of `text` (whitespace collapsed) in lines of at most `width` characters; a
/// longer word stands on its own line, whole.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adminapi::ErrorKind;
    use crate::output::{SelectionRecord, StepError, StepStatus};
    use crate::profile::Service;

    #[test]
    fn table_lists_counts_slowest_and_failures() {
        let rec = |t: &str, status, error: Option<StepError>| StepRecord {
            tenant: t.into(),
            tenant_name: None,
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
                    exception_type: None,
                    message: "slow\ndown".into(),
                }),
            ),
        ];
        let mut s =
            Summary::started("RID".into(), String::new(), String::new(), vec![], SelectionRecord::default());
        s.tally(&[("a.example".to_string(), 1), ("b.example".to_string(), 1)].into(), &records);
        let text = render_summary(&s, &records, Path::new("runs/RID"));
        assert!(
            text.starts_with("Run RID\n  ok              1\n  failed          1\n  skipped         0\n"),
            "{text}"
        );
        assert!(!text.contains("Slowest tenants"), "all under a second: {text}");
        assert!(
            text.contains(
                "\nFailures (1 step, 1 cause)\n  Get-Label (throttled) in b.example\n    slow down\n"
            ),
            "{text}"
        );
        assert!(text.ends_with("\nRun directory: runs/RID\n"), "{text}");
    }

    #[test]
    fn slow_tenants_are_listed_by_name_and_long_messages_stay_whole() {
        let long = "word ".repeat(60);
        let rec = |t: &str, ms: u64| StepRecord {
            tenant: t.into(),
            tenant_name: Some(format!("Name {t}")),
            command: "labels".into(),
            step: 0,
            cmdlet: "Get-Label".into(),
            service: Service::Compliance,
            status: StepStatus::Failed,
            attempts: 1,
            duration_ms: ms,
            item_count: None,
            items: None,
            warnings: vec![],
            error: Some(StepError {
                kind: ErrorKind::Http,
                status: Some(500),
                code: None,
                exception_type: None,
                message: long.clone(),
            }),
        };
        let records = vec![rec("a.example", 1500), rec("b.example", 20)];
        let mut s =
            Summary::started("RID".into(), String::new(), String::new(), vec![], SelectionRecord::default());
        s.tally(&[("a.example".to_string(), 1), ("b.example".to_string(), 1)].into(), &records);
        let text = render_summary(&s, &records, Path::new("runs/RID"));
        assert!(
            text.contains("\nSlowest tenants\n  a.example (Name a.example)       1.5s\n  b.example (Name b.example)       0.0s\n"),
            "{text}"
        );
        assert!(text.contains("  Get-Label (http) in 2 tenants:\n      a.example (Name a.example), b.example (Name b.example)\n"), "{text}");
        // 60 words, wrapped at 100 columns, none dropped.
        assert_eq!(text.matches("word").count(), 60, "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 104), "{text}");
    }
}
