//! The command line: argument definitions (clap) and one file per subcommand.
//!
//! This is the only layer that prints to stdout/stderr; everything below it
//! returns values, typed errors or events.

mod args;
pub mod check;
pub mod diff;
pub mod emulator;
mod emulator_faults;
pub mod help_pages;
pub mod login;
pub mod man;
pub mod merge;
mod pipe;
pub mod plan;
mod plan_checks;
mod plan_compact;
mod plan_json;
pub mod report;
pub mod run;
mod run_end;
pub mod schema;
pub mod selection;
mod signals;
pub mod tenants;
mod tenants_render;
pub mod validate;

pub use args::{command, Cli, Command};

use crate::error::CliError;
use std::process::ExitCode;

/// Parse the process arguments, run the subcommand, and return its exit code.
pub fn main() -> ExitCode {
    let cli = args::parse();
    init_tracing(cli.verbose, cli.quiet);
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            match &err {
                // Already reported in full by the subcommand.
                CliError::InvalidProfile(_)
                | CliError::StepsFailed { .. }
                | CliError::ChecksFailed { .. }
                | CliError::Differences
                | CliError::Interrupted => {}
                other => {
                    #[allow(clippy::print_stderr)]
                    {
                        eprintln!("error: {other}");
                    }
                }
            }
            err.to_exit()
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Validate(args) => validate::execute(args),
        Command::Plan(args) => plan::execute(args),
        Command::Run(args) => run::execute(args, cli.verbose, cli.quiet),
        Command::Login(args) => login::execute(args),
        Command::Emulator(args) => emulator::execute(args),
        Command::Merge(args) => merge::execute(args),
        Command::Check(args) => check::execute(args),
        Command::Report(args) => report::execute(args),
        Command::Diff(args) => diff::execute(args),
        Command::Schema(args) => schema::execute(args),
        Command::Tenants(args) => tenants::execute(args),
        Command::Completions { shell } => {
            args::print_completions(shell);
            Ok(())
        }
        Command::Man(args) => man::execute(args),
    }
}

/// Logs go to stderr through tracing (above the progress bars while they are drawn);
/// `-v` raises the level, `-q` lowers it. `TENANTRUN_LOG` (an `EnvFilter` directive)
/// overrides both. No colour codes when stderr is not a terminal or `NO_COLOR` is set.
fn init_tracing(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let level = if quiet {
        "error"
    } else {
        match verbose {
            0 => "warn",
            1 => "tenantrun=info,warn",
            2 => "tenantrun=debug,info",
            _ => "trace",
        }
    };
    let filter = EnvFilter::try_from_env("TENANTRUN_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::progress::log_sink::LogWriter)
        .with_ansi(crate::progress::log_sink::colour_allowed())
        .with_target(false)
        .try_init();
}
