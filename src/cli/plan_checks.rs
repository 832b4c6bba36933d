//! The checks section of `plan`: for each selected step with expectations, its
//! checks (id, severity, quantifier, title), and the exemptions that would apply.

use crate::planner::Plan;
use crate::profile::Profile;
use std::fmt::Write;

/// The section, or nothing when the planned steps carry no expectations.
pub fn render(profile: &Profile, plan: &Plan) -> String {
    let mut out = String::new();
    let mut seen = std::collections::HashSet::new();
    let mut total = 0usize;
    for step in plan.tenants.iter().flat_map(|t| &t.steps) {
        if step.step.expect.is_empty() || !seen.insert((step.command.as_str(), step.index)) {
            continue;
        }
        if out.is_empty() {
            out.push_str("\nChecks per step\n");
        }
        let _ = writeln!(out, "  {}[{}] {}", step.command, step.index, step.step.cmdlet);
        for e in step.step.expect.iter() {
            total += 1;
            let filter = if e.filter.is_some() { " (where)" } else { "" };
            let title = e.title.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "    {:<18} {:<8} {:<5}{filter}  {title}",
                e.id,
                e.severity.as_str(),
                e.quantifier.keyword()
            );
        }
    }
    if total > 0 {
        let per_tenant: usize =
            plan.tenants.iter().map(|t| t.steps.iter().map(|s| s.step.expect.len()).sum::<usize>()).sum();
        let _ = writeln!(
            out,
            "{total} check{} on {} step{}; {per_tenant} (tenant, check) judgement{}; {} exemption{}",
            if total == 1 { "" } else { "s" },
            seen.len(),
            if seen.len() == 1 { "" } else { "s" },
            if per_tenant == 1 { "" } else { "s" },
            profile.exemptions.len(),
            if profile.exemptions.len() == 1 { "" } else { "s" },
        );
    }
    out
}
