//! `tenantrun report RUN_DIR [--format FORMAT]... [-o FILE]`: write a finished (or
//! interrupted) run's reports (SPEC §8), contacting nothing. Also used by
//! `run --report` at the end of a run.

use super::pipe;
use crate::error::CliError;
use crate::report::{self, ReportError, ReportFormat, RunView};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run directory (`OUT/<run-id>`).
    #[arg(value_name = "RUN_DIR")]
    pub run: PathBuf,
    /// Report formats, repeatable or comma-separated [default: html].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub format: Vec<ReportFormat>,
    /// Write the report here instead of RUN_DIR/<report.html|junit.xml|report.md|report.xlsx> (one format only).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn execute(args: ReportArgs) -> Result<(), CliError> {
    let mut formats = args.format.clone();
    if formats.is_empty() {
        formats.push(ReportFormat::Html);
    }
    formats.dedup();
    if args.out.is_some() && formats.len() > 1 {
        return Err(CliError::Usage(
            "-o names one file; with several --format values leave it out and each report goes to RUN_DIR"
                .to_string(),
        ));
    }
    let view = RunView::open(&args.run).map_err(to_cli)?;
    for path in write_all(&view, &formats, args.out.as_deref())? {
        pipe::out(&format!("Report: {}\n", path.display()));
    }
    Ok(())
}

/// Write each format of `view` (to `out`, or into the run directory); the paths written.
pub fn write_all(
    view: &RunView,
    formats: &[ReportFormat],
    out: Option<&Path>,
) -> Result<Vec<PathBuf>, CliError> {
    let mut written = Vec::with_capacity(formats.len());
    for &format in formats {
        let path = format.destination(view, out);
        report::write_report(view, format, &path).map_err(to_cli)?;
        written.push(path);
    }
    Ok(written)
}

/// A report error as the command's outcome: a folder that is not a run is a usage error.
pub fn to_cli(e: ReportError) -> CliError {
    match e {
        ReportError::NotARun { .. } | ReportError::RunDir(_) => CliError::Usage(e.to_string()),
        other => CliError::Fatal(other.to_string()),
    }
}
