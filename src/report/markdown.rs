//! Markdown (SPEC §8) for a CI job summary or a pull-request comment: the run's
//! counts, the largest failure groups and the failing checks, each list cut off with
//! a count of the rest, so the text stays short at any number of tenants.

use super::escape::markdown as md;
use super::run_view::RunView;
use crate::progress::failure_groups::group_failures;
use std::io::{self, Write};

/// Failure groups listed (then "… and N more").
const GROUPS: usize = 10;
/// Tenants named per group.
const GROUP_TENANTS: usize = 8;
/// Failing checks listed.
const CHECKS: usize = 20;
/// Characters of one message or title.
const TEXT: usize = 300;

/// Write the summary.
pub fn write(view: &RunView, out: &mut dyn Write) -> io::Result<()> {
    let s = &view.summary;
    writeln!(out, "## tenantrun run `{}`\n", md(&s.run_id, 80))?;
    writeln!(out, "| | |\n|---|---|")?;
    writeln!(out, "| Started | {} |", md(&s.started_at, 40))?;
    match view.duration_ms() {
        Some(ms) => writeln!(out, "| Duration | {:.1} s |", ms as f64 / 1000.0)?,
        None if s.interrupted => writeln!(out, "| Duration | interrupted |")?,
        None => writeln!(out, "| Duration | not finished |")?,
    }
    writeln!(out, "| Profile digest | {} |", md(&s.profile_digest, 80))?;
    writeln!(out, "| Tenants | {} |", view.tenants.len())?;
    let c = &s.counts;
    writeln!(
        out,
        "| Steps | {} ok, {} failed, {} skipped, {} not run |",
        c.ok, c.failed, c.skipped, c.not_run
    )?;
    let k = &s.checks.counts;
    if k.total() > 0 {
        writeln!(
            out,
            "| Checks | {} pass, {} fail, {} error, {} exempt |",
            k.pass, k.fail, k.error, k.exempt
        )?;
    }
    failure_groups(view, out)?;
    failing_checks(view, out)
}

fn failure_groups(view: &RunView, out: &mut dyn Write) -> io::Result<()> {
    let groups = group_failures(&view.records);
    if groups.is_empty() {
        return Ok(());
    }
    let failed: usize = groups.iter().map(|g| g.records.len()).sum();
    writeln!(
        out,
        "\n### Failures ({failed} step{}, {} group{})\n",
        plural(failed),
        groups.len(),
        plural(groups.len())
    )?;
    for (n, g) in groups.iter().take(GROUPS).enumerate() {
        let tenants = g.tenants();
        writeln!(
            out,
            "{}. **{}** ({}) in {} tenant{}: {}",
            n + 1,
            md(g.cmdlet, 80),
            md(g.kind, 20),
            tenants.len(),
            plural(tenants.len()),
            md(&g.message, TEXT)
        )?;
        let named: Vec<String> = tenants
            .iter()
            .take(GROUP_TENANTS)
            .map(|r| md(&RunView::label(&r.tenant, r.tenant_name.as_deref()), 120))
            .collect();
        let more = tenants.len().saturating_sub(GROUP_TENANTS);
        let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
        writeln!(out, "   - {}{tail}", named.join(", "))?;
    }
    if groups.len() > GROUPS {
        let rest: usize = groups[GROUPS..].iter().map(|g| g.records.len()).sum();
        writeln!(
            out,
            "\n… and {} more group{} ({rest} failed step{}).",
            groups.len() - GROUPS,
            plural(groups.len() - GROUPS),
            plural(rest)
        )?;
    }
    Ok(())
}

fn failing_checks(view: &RunView, out: &mut dyn Write) -> io::Result<()> {
    let failing = &view.summary.checks.failing;
    if failing.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n### Failing checks ({})\n", failing.len())?;
    writeln!(out, "| Check | Severity | Title | Tenants failing |\n|---|---|---|---|")?;
    for f in failing.iter().take(CHECKS) {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            md(&f.check, 80),
            f.severity.as_str(),
            md(f.title.as_deref().unwrap_or(""), TEXT),
            f.tenants
        )?;
    }
    if failing.len() > CHECKS {
        writeln!(
            out,
            "\n… and {} more failing check{}.",
            failing.len() - CHECKS,
            plural(failing.len() - CHECKS)
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
