//! `tenantrun emulator`: serve the Microsoft 365 admin API emulator (SPEC §5).

use crate::error::CliError;
use clap::Args;

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8400")]
    pub addr: String,
}

pub fn execute(args: EmulatorArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Fatal("emulator: not implemented yet".into()))
}
