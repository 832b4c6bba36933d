//! `tenantrun login PROFILE... --identity NAME`: device-code sign-in, caches the refresh token.

use crate::error::CliError;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Profile files (.yaml, .yml, .toml) or directories of them.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
    /// The device_code identity to sign in.
    #[arg(long, value_name = "NAME")]
    pub identity: String,
}

pub fn execute(args: LoginArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Fatal("login: not implemented yet".into()))
}
