//! The top-level clap definition; each subcommand's arguments live in its own file.
//! [`command`] adds the examples every `--help` ends with ([`super::help_pages`]).

use super::help_pages::{self, Page};
use clap::builder::{styling::Style, StyledStr};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
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
    /// Print a man page (roff), or write one page per subcommand with --out.
    Man(super::man::ManArgs),
}

/// The command line with every subcommand's examples after its help.
pub fn command() -> clap::Command {
    let cmd = Cli::command();
    let header = *cmd.get_styles().get_header();
    let cmd = match help_pages::page("") {
        Some(page) => with_examples(cmd, page, header),
        None => cmd,
    };
    cmd.mut_subcommands(|sub| match help_pages::page(sub.get_name()) {
        Some(page) => with_examples(sub, page, header),
        None => sub,
    })
}

/// `cmd` whose `-h` and `--help` both end with the examples, after any text it already has there.
fn with_examples(cmd: clap::Command, page: &Page, header: Style) -> clap::Command {
    let examples = examples(page, header);
    let after = |text: Option<&StyledStr>| -> StyledStr {
        match text {
            Some(text) => format!("{}\n\n{}", text.ansi(), examples.ansi()).into(),
            None => examples.clone(),
        }
    };
    let short = after(cmd.get_after_help());
    let long = cmd.get_after_long_help().map(|text| after(Some(text)));
    let cmd = cmd.after_help(short);
    match long {
        Some(long) => cmd.after_long_help(long),
        None => cmd,
    }
}

/// Parse the process arguments (exits with clap's message on bad usage, as `Cli::parse`).
pub fn parse() -> Cli {
    let mut cmd = command();
    let mut matches = cmd.clone().get_matches();
    Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut cmd)).unwrap_or_else(|e| e.exit())
}

/// The `Examples:` block: each example's purpose as a comment, then the command line.
fn examples(page: &Page, header: Style) -> StyledStr {
    let mut text = format!("{header}Examples:{header:#}");
    for (what, line) in page.examples {
        text.push_str(&format!("\n  # {what}\n  {line}"));
    }
    text.into()
}

/// Write completions for `shell` to stdout.
pub fn print_completions(shell: Shell) {
    let mut cmd = command();
    clap_complete::generate(shell, &mut cmd, "tenantrun", &mut std::io::stdout());
}
