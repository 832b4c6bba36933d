//! `tenantrun schema`: print the profile JSON Schema generated from the profile types.

use crate::error::CliError;
use clap::Args;

#[derive(Debug, Args)]
pub struct SchemaArgs {}

pub fn execute(args: SchemaArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Fatal("schema: not implemented yet".into()))
}
