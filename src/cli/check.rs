//! `tenantrun check RUN_DIR [PROFILE...]`: judge a finished run's items again
//! against expectations (the profile given, else the run's `profile/` copy),
//! offline, and rewrite `checks.jsonl` and the summary's check counts. Exit code as
//! `run`'s: 1 if the run has a failed step, else 3 if a check did not pass, else 0.

use super::pipe;
use crate::error::CliError;
use crate::output::{self, checks, journal, judging::StepChecks, Summary};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A run directory (`OUT/<run-id>`), finished or interrupted.
    #[arg(value_name = "RUN_DIR")]
    pub run: PathBuf,
    /// Profile files or folders with the expectations (default: RUN_DIR/profile/).
    #[arg(value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
}

pub fn execute(args: CheckArgs) -> Result<(), CliError> {
    let run = &args.run;
    let mut summary = Summary::read(run).map_err(|e| {
        CliError::Usage(format!("{}: not a run directory ({e}) (hint: pass OUT/<run-id>)", run.display()))
    })?;
    let profile = if args.profiles.is_empty() {
        output::profile_copy::load(run).map_err(|e| match e {
            output::profile_copy::ProfileCopyError::Load(report) => {
                pipe::err(&format!("{report}\n"));
                CliError::InvalidProfile(report.to_string())
            }
            other => CliError::Usage(other.to_string()),
        })?
    } else {
        super::plan::load_or_report(&args.profiles)?
    };
    let records = journal::effective(
        journal::read(&run.join(output::rundir::RESULTS)).map_err(|e| CliError::Fatal(e.to_string()))?,
    );
    // The tenants the run resolved (discovered ones included), for names, tags and exemptions.
    let tenants = match crate::discovery::snapshot::read(run) {
        Ok(Some(resolution)) => resolution.tenants.iter().map(|t| t.tenant()).collect(),
        Ok(None) => profile.tenants.clone(),
        Err(e) => return Err(CliError::Usage(e.to_string())),
    };
    let step_checks = StepChecks::new(&profile, tenants);
    if step_checks.is_empty() {
        pipe::err("warning: the profile declares no expectations; checks.jsonl will be empty\n");
    }
    let lines = step_checks.judge_all(run, &records);
    checks::rewrite(run, &lines).map_err(|e| CliError::Fatal(e.to_string()))?;
    summary.checks = output::summary::ChecksSummary::from_lines(&lines);
    summary.write(run).map_err(|e| CliError::Fatal(format!("{}: {e}", run.display())))?;
    let c = &summary.checks.counts;
    let mut text = format!(
        "Checked {} ({} step{} judged, {} check line{})\n",
        summary.run_id,
        records.len(),
        if records.len() == 1 { "" } else { "s" },
        c.total(),
        if c.total() == 1 { "" } else { "s" }
    );
    text.push_str(&crate::progress::render_checks(&summary));
    text.push_str(&format!("\nChecks: {}\n", run.join(output::rundir::CHECKS).display()));
    pipe::out(&text);
    if summary.counts.failed > 0 {
        return Err(CliError::StepsFailed { failed: summary.counts.failed as usize });
    }
    super::run::checks_outcome(&summary)
}
