//! The XLSX workbook (SPEC §8): sheets Summary, Steps, Checks, then one per (command
//! list, step), present even when empty, holding every tenant's objects with the tenant
//! id and name first. Each sheet has a bold frozen header row and filters. Sheets are
//! written in constant-memory mode (rows go to temporary files as they are written) and
//! items files are read one line at a time, twice: once for the columns, once for the rows.

mod cell;
mod sheet_name;

use super::error::ReportError;
use super::run_view::RunView;
use crate::output::{items, StepStatus};
use cell::Formats;
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use serde_json::{json, Value};
use sheet_name::SheetNames;
use std::collections::{BTreeMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Excel's row limit (the header included).
const MAX_ROWS: u32 = 1_048_576;
/// Excel's column limit.
const MAX_COLUMNS: usize = 16_384;

/// Write the workbook to `path`.
pub fn write(view: &RunView, path: &Path) -> Result<(), ReportError> {
    let x = |e: XlsxError| ReportError::Xlsx { path: path.to_path_buf(), reason: e.to_string() };
    let formats = Formats::new();
    let mut names = SheetNames::default();
    let mut book = Workbook::new();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        book.set_tempdir(dir).map_err(x)?;
    }
    let summary = summary_rows(view);
    table(
        book.add_worksheet_with_constant_memory().map_err(x)?,
        &names.claim("Summary"),
        &["Field", "Value"],
        &summary,
        &formats,
    )
    .map_err(x)?;
    table(
        book.add_worksheet_with_constant_memory().map_err(x)?,
        &names.claim("Steps"),
        STEP_COLUMNS,
        &step_rows(view),
        &formats,
    )
    .map_err(x)?;
    table(
        book.add_worksheet_with_constant_memory().map_err(x)?,
        &names.claim("Checks"),
        CHECK_COLUMNS,
        &check_rows(view),
        &formats,
    )
    .map_err(x)?;
    for (command, step, cmdlet) in steps_of(view) {
        let sheet = book.add_worksheet_with_constant_memory().map_err(x)?;
        objects_sheet(view, sheet, &names.claim(&format!("{command}.{step}")), &command, step, &formats)
            .map_err(|e| match e {
                SheetError::Xlsx(e) => x(e),
                SheetError::Report(r) => r,
            })?;
        let _ = cmdlet;
    }
    book.save(path).map_err(x)
}

/// A sheet of `header` and `rows`, with a frozen header and filters.
fn table(
    sheet: &mut Worksheet,
    name: &str,
    header: &[&str],
    rows: &[Vec<Value>],
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &f.header)?;
    }
    let mut last = 0u32;
    for (r, row) in rows.iter().enumerate().take(MAX_ROWS as usize - 1) {
        last = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            cell::write(sheet, last, c as u16, v, f)?;
        }
    }
    finish(sheet, last, header.len())
}

fn finish(sheet: &mut Worksheet, last_row: u32, columns: usize) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, columns.saturating_sub(1).min(MAX_COLUMNS - 1) as u16)?;
    Ok(())
}

fn summary_rows(view: &RunView) -> Vec<Vec<Value>> {
    let s = &view.summary;
    let k = &s.checks.counts;
    let pairs: Vec<(&str, Value)> = vec![
        ("Run id", json!(s.run_id)),
        ("Started", json!(s.started_at)),
        ("Finished", json!(s.finished_at)),
        ("Duration (s)", json!(view.duration_ms().map(|ms| ms as f64 / 1000.0))),
        ("Interrupted", json!(s.interrupted)),
        ("Profile digest", json!(s.profile_digest)),
        ("Tenants", json!(view.tenants.len())),
        ("Steps ok", json!(s.counts.ok)),
        ("Steps failed", json!(s.counts.failed)),
        ("Steps skipped", json!(s.counts.skipped)),
        ("Steps not run", json!(s.counts.not_run)),
        ("Checks pass", json!(k.pass)),
        ("Checks fail", json!(k.fail)),
        ("Checks error", json!(k.error)),
        ("Checks exempt", json!(k.exempt)),
        ("Requests", json!(s.totals.requests)),
        ("Retries", json!(s.totals.retries)),
        ("Throttled", json!(s.totals.throttled)),
    ];
    pairs.into_iter().map(|(k, v)| vec![json!(k), v]).collect()
}

const STEP_COLUMNS: &[&str] = &[
    "Tenant",
    "Tenant name",
    "Tags",
    "Command",
    "Step",
    "Cmdlet",
    "Status",
    "Attempts",
    "Duration (ms)",
    "Objects",
    "Error kind",
    "HTTP status",
    "Error code",
    "Error message",
    "Warnings",
];

fn step_rows(view: &RunView) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    for t in &view.tenants {
        for s in &t.steps {
            let r = view.record(s);
            let e = r.and_then(|r| r.error.as_ref());
            rows.push(vec![
                json!(t.id),
                json!(t.name),
                json!(t.tags.join(", ")),
                json!(s.command),
                json!(s.step),
                json!(s.cmdlet),
                json!(view.state(s).as_str()),
                json!(r.map(|r| r.attempts)),
                json!(r.map(|r| r.duration_ms)),
                json!(r.and_then(|r| r.item_count)),
                json!(e.map(|e| e.kind.as_str())),
                json!(e.and_then(|e| e.status)),
                json!(e.and_then(|e| e.code.clone())),
                json!(e.map(|e| e.message.clone())),
                json!(r.map(|r| r.warnings.join("\n")).filter(|w| !w.is_empty())),
            ]);
        }
    }
    rows
}

const CHECK_COLUMNS: &[&str] = &[
    "Tenant",
    "Tenant name",
    "Check",
    "Title",
    "Severity",
    "Command",
    "Step",
    "Cmdlet",
    "Status",
    "Outcome",
    "Objects checked",
    "Objects failing",
    "Failing",
    "Detail",
    "Exemption reason",
    "Exemption expires",
    "Exemption expired",
];

fn check_rows(view: &RunView) -> Vec<Vec<Value>> {
    view.checks
        .iter()
        .map(|c| {
            let e = c.exemption.as_ref();
            vec![
                json!(c.tenant),
                json!(c.tenant_name),
                json!(c.check),
                json!(c.title),
                json!(c.severity.as_str()),
                json!(c.command),
                json!(c.step),
                json!(c.cmdlet),
                json!(c.status.as_str()),
                json!(c.outcome.as_str()),
                json!(c.objects_checked),
                json!(c.objects_failing),
                json!(c.failing.join(", ")),
                json!(c.detail),
                json!(e.map(|e| e.reason.clone())),
                json!(e.map(|e| e.expires.clone())),
                json!(e.map(|e| e.expired)),
            ]
        })
        .collect()
}

/// Every (command list, step, cmdlet) of the run, in command-list then step order.
fn steps_of(view: &RunView) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    for command in &view.commands {
        let mut steps: BTreeMap<usize, String> = BTreeMap::new();
        for t in &view.tenants {
            for s in t.steps.iter().filter(|s| &s.command == command) {
                steps.entry(s.step).or_insert_with(|| s.cmdlet.clone());
            }
        }
        out.extend(steps.into_iter().map(|(step, cmdlet)| (command.clone(), step, cmdlet)));
    }
    out
}

enum SheetError {
    Xlsx(XlsxError),
    Report(ReportError),
}

impl From<XlsxError> for SheetError {
    fn from(e: XlsxError) -> Self {
        SheetError::Xlsx(e)
    }
}

impl From<ReportError> for SheetError {
    fn from(e: ReportError) -> Self {
        SheetError::Report(e)
    }
}

/// The items files of `command`'s step `step` of every tenant whose step is `ok`, with the tenant.
fn items_files<'a>(
    view: &'a RunView,
    command: &str,
    step: usize,
) -> Vec<(&'a super::run_view::TenantView, PathBuf)> {
    view.tenants
        .iter()
        .filter_map(|t| {
            let s = t.steps.iter().find(|s| s.command == command && s.step == step)?;
            let r = view.record(s).filter(|r| r.status == StepStatus::Ok)?;
            Some((t, view.dir.join(items::relative_path(&r.command, &r.tenant, r.step))))
        })
        .collect()
}

/// Call `each` with every object of `path`, in file order (a missing file has none).
fn for_each_object(
    path: &Path,
    mut each: impl FnMut(serde_json::Map<String, Value>) -> Result<(), SheetError>,
) -> Result<(), SheetError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(ReportError::io(path)(e).into()),
    };
    let reader = std::io::BufReader::with_capacity(64 * 1024, file);
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(ReportError::io(path))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(Value::Object(o)) => each(o)?,
            Ok(_) => return Err(items_error(path, n + 1, "not an object".into())),
            Err(e) => return Err(items_error(path, n + 1, e.to_string())),
        }
    }
    Ok(())
}

fn items_error(path: &Path, line: usize, reason: String) -> SheetError {
    SheetError::Report(ReportError::Items { path: path.to_path_buf(), line, reason })
}

fn objects_sheet(
    view: &RunView,
    sheet: &mut Worksheet,
    name: &str,
    command: &str,
    step: usize,
    f: &Formats,
) -> Result<(), SheetError> {
    sheet.set_name(name)?;
    let files = items_files(view, command, step);
    // Pass 1: the columns, in first-seen order.
    let mut columns: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (_, path) in &files {
        for_each_object(path, |o| {
            for k in o.keys() {
                if columns.len() + 2 < MAX_COLUMNS && !seen.contains(k) {
                    seen.insert(k.clone());
                    columns.push(k.clone());
                }
            }
            Ok(())
        })?;
    }
    let header: Vec<&str> =
        ["Tenant", "Tenant name"].into_iter().chain(columns.iter().map(String::as_str)).collect();
    for (c, h) in header.iter().enumerate() {
        cell::text(sheet, 0, c as u16, h)?;
        sheet.set_cell_format(0, c as u16, &f.header)?;
    }
    // Pass 2: the rows.
    let mut row = 0u32;
    for (tenant, path) in &files {
        for_each_object(path, |o| {
            if row + 1 >= MAX_ROWS {
                return Ok(());
            }
            row += 1;
            cell::text(sheet, row, 0, &tenant.id)?;
            if let Some(n) = &tenant.name {
                cell::text(sheet, row, 1, n)?;
            }
            for (c, k) in columns.iter().enumerate() {
                if let Some(v) = o.get(k) {
                    cell::write(sheet, row, (c + 2) as u16, v, f)?;
                }
            }
            Ok(())
        })?;
    }
    Ok(finish(sheet, row, header.len())?)
}
