//! The run directory `OUT/<run-id>/` and its well-known file names.

use std::path::{Path, PathBuf};

pub const RESULTS: &str = "results.jsonl";
pub const SUMMARY: &str = "summary.json";
/// The summary table as printed at the end of the run.
pub const SUMMARY_TEXT: &str = "summary.txt";
pub const CHECKS: &str = "checks.jsonl";
pub const ITEMS: &str = "items";
pub const CSV: &str = "csv";
pub const JSON: &str = "json";
pub const JSONL: &str = "jsonl";

/// A run id: UTC time plus a short random suffix, e.g. `20261128T131500Z-3fa9c1`.
pub fn new_run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let stamp = now.format(&fmt).unwrap_or_else(|_| now.unix_timestamp().to_string());
    format!("{stamp}-{:06x}", rand::random::<u32>() & 0xff_ffff)
}

/// Create `out/<run-id>/` (and `items/`), never reusing an existing directory. Both are
/// 0700: a run directory holds tenant data.
pub fn create(out: &Path) -> std::io::Result<(String, PathBuf)> {
    std::fs::create_dir_all(out)?;
    for _ in 0..16 {
        let id = new_run_id();
        let dir = out.join(&id);
        match super::safe_fs::create_dir(&dir) {
            Ok(()) => {
                super::safe_fs::create_dir(&dir.join(ITEMS))?;
                return Ok((id, dir));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("cannot pick a fresh run id"))
}

/// RFC 3339 UTC timestamp for summaries.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Save the summary table next to `summary.json` (temporary file + rename).
pub fn write_summary_text(run_dir: &Path, table: &str) -> std::io::Result<()> {
    super::safe_fs::write_atomic(&run_dir.join(SUMMARY_TEXT), table.as_bytes())
}
