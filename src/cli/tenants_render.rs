//! How `tenantrun tenants` shows the resolved tenants: an aligned table, JSON, CSV
//! (one row per tenant, excluded customers with their reason in the last column), YAML,
//! and the `tenants:` profile file `--write` saves.

use crate::discovery::{Resolution, ResolvedTenant};
use crate::error::CliError;
use serde::Serialize;

fn join(values: &[String]) -> String {
    values.join(",")
}

/// The aligned table, then the excluded customers.
pub fn table(r: &Resolution) -> String {
    let header = ["ID", "NAME", "SOURCE", "IDENTITY", "ENVIRONMENT", "TAGS", "ROLES", "WARNINGS"];
    let rows: Vec<[String; 8]> = r
        .tenants
        .iter()
        .map(|t| {
            [
                t.id.clone(),
                t.name.clone().unwrap_or_default(),
                t.source.clone(),
                t.identity.clone(),
                t.environment.clone(),
                join(&t.tags),
                join(&t.roles),
                t.warnings.join("; "),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    let s = if r.tenants.len() == 1 { "" } else { "s" };
    out.push_str(&format!("{} tenant{s}", r.tenants.len()));
    let mut by_source: Vec<(&str, usize)> = Vec::new();
    for t in &r.tenants {
        match by_source.iter_mut().find(|(s, _)| *s == t.source) {
            Some((_, n)) => *n += 1,
            None => by_source.push((&t.source, 1)),
        }
    }
    if !by_source.is_empty() {
        let parts: Vec<String> = by_source.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        out.push_str(&format!(" ({})", parts.join(", ")));
    }
    out.push('\n');
    if !r.excluded.is_empty() {
        out.push_str(&format!("\nExcluded ({}):\n", r.excluded.len()));
        for e in &r.excluded {
            let name = e.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            out.push_str(&format!("  {}{name} [{}]: {}\n", e.id, e.source, e.reason));
        }
    }
    out
}

pub fn json(r: &Resolution) -> String {
    format!("{}\n", serde_json::to_string_pretty(r).unwrap_or_default())
}

pub fn yaml(r: &Resolution) -> Result<String, CliError> {
    serde_saphyr::to_string(r).map_err(|e| CliError::Fatal(format!("cannot write YAML: {e}")))
}

/// CSV with a UTF-8 BOM: `id,name,tags,source,identity,environment,roles,warnings,excluded`;
/// cells a spreadsheet would run as a formula are made text (the exports' writer, SPEC §9).
pub fn csv(r: &Resolution) -> String {
    let mut out: Vec<u8> = "\u{feff}".as_bytes().to_vec();
    let mut row = |cells: Vec<String>| {
        let _ = crate::output::export::write_row(&mut out, cells.iter().map(String::as_str));
    };
    row(["id", "name", "tags", "source", "identity", "environment", "roles", "warnings", "excluded"]
        .map(String::from)
        .to_vec());
    for t in &r.tenants {
        row(vec![
            t.id.clone(),
            t.name.clone().unwrap_or_default(),
            t.tags.join(";"),
            t.source.clone(),
            t.identity.clone(),
            t.environment.clone(),
            t.roles.join(";"),
            t.warnings.join("; "),
            String::new(),
        ]);
    }
    for e in &r.excluded {
        row(vec![
            e.id.clone(),
            e.name.clone().unwrap_or_default(),
            String::new(),
            e.source.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            e.reason.clone(),
        ]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One entry of the written `tenants:` list.
#[derive(Serialize)]
struct Entry<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    identity: &'a str,
    environment: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor_mailbox: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    bypass_mailbox_anchoring: bool,
}

#[derive(Serialize)]
struct File<'a> {
    version: u32,
    tenants: Vec<Entry<'a>>,
}

fn entry(t: &ResolvedTenant) -> Entry<'_> {
    Entry {
        id: &t.id,
        name: t.name.as_deref(),
        tags: &t.tags,
        identity: &t.identity,
        environment: &t.environment,
        anchor_mailbox: t.anchor_mailbox.as_deref(),
        bypass_mailbox_anchoring: t.bypass_mailbox_anchoring,
    }
}

/// The `tenants:` profile file `--write` saves: every field written out, so that the
/// file merged with the rest of the profile runs the same tenants without reading the sources.
pub fn profile_file(r: &Resolution, sources: &[&str]) -> Result<String, CliError> {
    let file = File { version: 1, tenants: r.tenants.iter().map(entry).collect() };
    let body =
        serde_saphyr::to_string(&file).map_err(|e| CliError::Fatal(format!("cannot write YAML: {e}")))?;
    let from = if sources.is_empty() {
        "the profile".to_string()
    } else {
        format!("tenant sources {}", sources.join(", "))
    };
    Ok(format!(
        "# Tenants resolved by `tenantrun tenants` from {from} on {}.\n\
         # Commit it next to the profile: its entries override what the sources report.\n{body}",
        crate::output::rundir::now_rfc3339()
    ))
}
