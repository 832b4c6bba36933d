//! `tenantrun validate PROFILE...`: load and check profiles, print every problem.

use crate::error::CliError;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Profile files (.yaml, .yml, .toml) or directories of them.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
}

pub fn execute(args: ValidateArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Fatal("validate: not implemented yet".into()))
}
