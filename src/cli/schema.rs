//! `tenantrun schema`: print the profile JSON Schema generated from the profile
//! document types (schemars); `schemas/profile.schema.json` is this output.

use crate::error::CliError;
use clap::Args;

#[derive(Debug, Args)]
pub struct SchemaArgs {}

pub fn execute(args: SchemaArgs) -> Result<(), CliError> {
    let _ = args;
    super::pipe::out(&format!("{}\n", crate::profile::schema::json()));
    Ok(())
}
