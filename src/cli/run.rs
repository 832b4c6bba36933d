//! `tenantrun run PROFILE... [selection] [options]`: connect and run.

use super::selection::SelectionArgs;
use crate::error::CliError;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Profile files (.yaml, .yml, .toml) or directories of them.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Tenants in flight at once (default: the profile's `defaults.concurrency`).
    #[arg(short = 'j', long)]
    pub concurrency: Option<usize>,
    /// Where run directories are created.
    #[arg(short = 'o', long = "out", value_name = "DIR", default_value = "runs")]
    pub out: PathBuf,
    /// Re-run only what is not `ok` in RUN_DIR's results.jsonl, appending to it.
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
    /// Extra exports besides results.jsonl and items/ (repeatable).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub format: Vec<ExportFormat>,
    /// Allow cmdlets whose verb changes state even when the profile is read_only.
    #[arg(long)]
    pub allow_write: bool,
    /// Stop starting new work after the first failed step.
    #[arg(long)]
    pub fail_fast: bool,
    /// Ask EXOModuleFile which cmdlets each tenant grants and skip missing ones before running.
    #[arg(long)]
    pub preflight: bool,
    /// How progress is shown on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    Auto,
    Bar,
    Plain,
    None,
}

pub fn execute(args: RunArgs, verbose: u8, quiet: bool) -> Result<(), CliError> {
    let _ = (args, verbose, quiet);
    Err(CliError::Fatal("run: not implemented yet".into()))
}
