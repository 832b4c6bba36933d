//! `tenantrun plan PROFILE... [selection]`: print the tenant x step matrix without connecting.

use super::selection::SelectionArgs;
use crate::error::CliError;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Profile files (.yaml, .yml, .toml) or directories of them.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// Ask each tenant which cmdlets its role grants (EXOModuleFile) and mark missing ones.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
}

pub fn execute(args: PlanArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Fatal("plan: not implemented yet".into()))
}
