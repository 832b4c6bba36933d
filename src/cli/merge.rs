//! `tenantrun merge RUN_DIR... --out DIR`: combine shard outputs into one run.
#![allow(clippy::print_stdout)]

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
}

pub fn execute(args: MergeArgs) -> Result<(), CliError> {
    let summary = output::merge::merge(&args.runs, &args.out).map_err(|e| match e {
        output::merge::MergeError::NotARun(_) | output::merge::MergeError::OutNotEmpty(_) => {
            CliError::Usage(e.to_string())
        }
        other => CliError::Fatal(other.to_string()),
    })?;
    let records = journal::effective(
        journal::read(&args.out.join(output::rundir::RESULTS)).map_err(|e| CliError::Fatal(e.to_string()))?,
    );
    print!("{}", crate::progress::render_summary(&summary, &records, &args.out));
    if summary.counts.failed > 0 {
        Err(CliError::StepsFailed { failed: summary.counts.failed as usize })
    } else {
        super::run::checks_outcome(&summary)
    }
}
