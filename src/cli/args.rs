//! The top-level clap definition; each subcommand's arguments live in its own file.

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

/// Run Security & Compliance / Exchange Online cmdlets across many Microsoft 365
/// tenants in parallel, from one declarative profile.
#[derive(Debug, Parser)]
#[command(name = "tenantrun", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// More log detail on stderr (-v info, -vv debug, -vvv trace). Secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr; no progress.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check profiles; print every problem as FILE:LINE:COL.
    Validate(super::validate::ValidateArgs),
    /// Print the tenant x step matrix without connecting.
    Plan(super::plan::PlanArgs),
    /// Connect to the selected tenants and run the selected command lists.
    Run(super::run::RunArgs),
    /// Device-code sign-in for an identity; caches the refresh token for unattended runs.
    Login(super::login::LoginArgs),
    /// Serve the Microsoft 365 admin API emulator on loopback.
    Emulator(super::emulator::EmulatorArgs),
    /// Combine shard outputs into one run directory.
    Merge(super::merge::MergeArgs),
    /// Judge a finished run's items against expectations again, offline; rewrites checks.jsonl.
    Check(super::check::CheckArgs),
    /// Write a run's reports (HTML, JUnit XML, Markdown, XLSX), offline.
    Report(super::report::ReportArgs),
    /// What changed between two runs: objects, tenants, checks (exit 3 when something did).
    Diff(super::diff::DiffArgs),
    /// List the resolved tenants, discovered ones included (GDAP, contracts, files).
    Tenants(super::tenants::TenantsArgs),
    /// Print the profile JSON Schema.
    Schema(super::schema::SchemaArgs),
    /// Print shell completions.
    Completions {
        /// The shell to generate completions for.
        shell: Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// Write completions for `shell` to stdout.
pub fn print_completions(shell: Shell) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "tenantrun", &mut std::io::stdout());
}

/// Write the man page to stdout.
pub fn print_man() -> std::io::Result<()> {
    let man = clap_mangen::Man::new(Cli::command());
    man.render(&mut std::io::stdout())
}
