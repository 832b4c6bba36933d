//! `tenantrun plan`'s default view: one row per tenant (id, name, environment,
//! identity, its step count, what needs attention), and the aligned-columns helper
//! both plan tables share. `--steps` prints the full matrix instead.

use super::plan::{footer, marks, Checks, MarkTotals};
use crate::planner::{Plan, Selection};
use crate::profile::Profile;

/// Rows under `header`, columns padded to their widest cell (the last is not padded).
pub(crate) fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let cells: Vec<&str> = cells.collect();
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(&mut header.iter().copied());
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// One row per tenant; `in_profile`: the profile's tenant count.
pub(crate) fn table(
    profile: &Profile,
    (plan, in_profile): (&Plan, usize),
    selection: &Selection,
    flags: (bool, bool),
    checks: Option<&Checks>,
) -> String {
    let header = ["TENANT", "NAME", "ENVIRONMENT", "IDENTITY", "STEPS", "NOTES"];
    let mut totals = MarkTotals::default();
    let rows: Vec<Vec<String>> = plan
        .tenants
        .iter()
        .map(|t| {
            let mut mine = MarkTotals::default();
            let mut unchecked = 0usize;
            for s in &t.steps {
                let m = marks(profile, t, s, flags, checks);
                unchecked += usize::from(m.granted == Some(Err(())));
                mine.add(&m);
                totals.add(&m);
            }
            let mut notes = Vec::new();
            if mine.refused > 0 {
                notes.push(format!("{} refused (read_only)", mine.refused));
            }
            if mine.blocked > 0 {
                notes.push(format!("{} unavailable", mine.blocked));
            }
            if mine.missing > 0 {
                notes.push(format!("{} NOT GRANTED", mine.missing));
            }
            if unchecked > 0 {
                notes.push("unchecked".to_string());
            } else if checks.is_some() && mine.missing == 0 {
                notes.push("granted".to_string());
            }
            vec![
                t.tenant.id.clone(),
                t.tenant.name.clone().unwrap_or_default(),
                t.tenant.environment.clone(),
                t.tenant.identity.clone(),
                t.steps.len().to_string(),
                notes.join(", "),
            ]
        })
        .collect();
    let mut out = columns(&header, &rows);
    let lists = per_list(plan);
    let extra = if lists.is_empty() { String::new() } else { format!(" ({lists})") };
    out.push_str(&footer((plan, in_profile), selection, &totals, &extra));
    out.push_str("(plan --steps lists every step)\n");
    out
}

/// `labels 2 steps, exchange 2 steps`: the command lists in the plan, with their lengths.
fn per_list(plan: &Plan) -> String {
    let mut lists: Vec<(String, usize)> = Vec::new();
    if let Some(first) = plan.tenants.first() {
        for s in &first.steps {
            match lists.last_mut() {
                Some((name, n)) if *name == s.command => *n += 1,
                _ => lists.push((s.command.clone(), 1)),
            }
        }
    }
    lists
        .iter()
        .map(|(name, n)| format!("{name}: {n} step{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
}
