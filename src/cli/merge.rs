//! `tenantrun merge RUN_DIR... --out DIR`: combine shard outputs into one run.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::error::CliError;
use crate::output::{self, journal};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Run directories produced by `tenantrun run --shard I/N`.
    #[arg(required = true, value_name = "RUN_DIR")]
    pub runs: Vec<PathBuf>,
    /// The merged run directory to create.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Merge an incomplete set of shards (summary.json lists the missing ones).
    #[arg(long)]
    pub partial: bool,
}

pub fn execute(args: MergeArgs) -> Result<(), CliError> {
    let summary = output::merge::merge(&args.runs, &args.out, args.partial).map_err(|e| match e {
        output::merge::MergeError::NotARun(_)
        | output::merge::MergeError::OutNotEmpty(_)
        | output::merge::MergeError::IncompleteShards { .. }
        | output::merge::MergeError::MismatchedShards(_)
        | output::merge::MergeError::RunDir(output::safe_fs::RunDirError::Link(_))
        | output::merge::MergeError::Journal(journal::JournalError::UnsafeItems { .. }) => {
            CliError::Usage(e.to_string())
        }
        other => CliError::Fatal(other.to_string()),
    })?;
    let records = journal::effective(
        journal::read(&args.out.join(output::rundir::RESULTS)).map_err(|e| CliError::Fatal(e.to_string()))?,
    );
    let table = crate::progress::render_summary(&summary, &records, &args.out);
    output::rundir::write_summary_text(&args.out, &table)
        .map_err(|e| CliError::Fatal(format!("{}: {e}", args.out.display())))?;
    print!("{table}");
    if !summary.missing_shards.is_empty() {
        eprintln!(
            "warning: partial merge: shards {} are missing (--partial)",
            summary.missing_shards.join(", ")
        );
    }
    if summary.counts.failed > 0 {
        Err(CliError::StepsFailed { failed: summary.counts.failed as usize })
    } else {
        super::run::checks_outcome(&summary)
    }
}
