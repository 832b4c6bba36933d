//! The report formats, the file name each gets in the run directory, and writing one
//! (to a temporary file renamed into place, so a reader never sees half a report).

use super::error::ReportError;
use super::run_view::RunView;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `--format` of `report` and `run --report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ReportFormat {
    Html,
    Junit,
    Markdown,
    Xlsx,
}

impl ReportFormat {
    /// The file name in the run directory (`run --report`, or `report` without `-o`).
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Html => "report.html",
            ReportFormat::Junit => "junit.xml",
            ReportFormat::Markdown => "report.md",
            ReportFormat::Xlsx => "report.xlsx",
        }
    }

    /// Where the report goes: `out` if given, else `RUN_DIR/<file_name>`.
    pub fn destination(self, view: &RunView, out: Option<&Path>) -> PathBuf {
        match out {
            Some(p) => p.to_path_buf(),
            None => view.dir.join(self.file_name()),
        }
    }
}

/// Write `view` as `format` to `path`.
pub fn write_report(view: &RunView, format: ReportFormat, path: &Path) -> Result<(), ReportError> {
    let temp = temp_path(path);
    // Never through a link: a name planted in the run directory is removed, not written to.
    let _ = std::fs::remove_file(&temp);
    let result = match format {
        ReportFormat::Xlsx => super::xlsx::write(view, &temp),
        text => write_text(view, text, &temp),
    };
    let result =
        result.and_then(|()| crate::output::safe_fs::owner_only(&temp).map_err(ReportError::io(&temp)));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    std::fs::rename(&temp, path).map_err(ReportError::io(path))
}

fn write_text(view: &RunView, format: ReportFormat, temp: &Path) -> Result<(), ReportError> {
    let file = crate::output::safe_fs::create_new(temp).map_err(ReportError::io(temp))?;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, file);
    match format {
        ReportFormat::Html => super::html::write(view, &mut out),
        ReportFormat::Junit => super::junit::write(view, &mut out),
        ReportFormat::Markdown => super::markdown::write(view, &mut out),
        ReportFormat::Xlsx => Ok(()),
    }
    .and_then(|()| out.flush())
    .map_err(ReportError::io(temp))
}

/// A hidden sibling of `path` for the write-then-rename.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}
