//! `tenantrun merge RUN_DIR... --out DIR`: combine shard outputs into one run.

use crate::error::CliError;
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
    let _ = args;
    Err(CliError::Fatal("merge: not implemented yet".into()))
}
