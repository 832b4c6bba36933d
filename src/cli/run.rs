//! `tenantrun run PROFILE... [selection] [options]`: connect and run.
//!
//! Wires the pieces: profile → selection → plan (minus what a resumed run already
//! did) → engine, whose events feed the journal, the progress view and, at the end,
//! `summary.json`, the exports and the summary table.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use super::selection::SelectionArgs;
use crate::error::CliError;
use crate::output::{self, profile_copy, ItemsDir, Journal, SelectionRecord, Summary};
use crate::planner::{self, Plan, Selection};
use crate::profile::{self, Profile};
use crate::progress::{self, Progress};
use crate::runner::{self, Engine, RunConfig, RunEvent, StopReason, StopSignal, TenantCheck};
use clap::{Args, ValueEnum};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Profile files (.yaml, .yml, .toml) or directories of them (with --resume: default
    /// the copy the run recorded in RUN_DIR/profile/).
    #[arg(required_unless_present = "resume", value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Tenants in flight at once, or `auto`: windows of requests in flight per tenant and
    /// for the run that grow until the service answers 429/503 and shrink when it does
    /// (default: the profile's `defaults.concurrency`).
    #[arg(short = 'j', long, value_name = "N|auto")]
    pub concurrency: Option<profile::Concurrency>,
    /// Where run directories are created.
    #[arg(short = 'o', long = "out", value_name = "DIR", default_value = "runs")]
    pub out: PathBuf,
    /// Re-run only what is not `ok` in RUN_DIR's results.jsonl, appending to it.
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
    /// With --resume and a PROFILE: continue although the profile changed since the run
    /// started (its digest differs); the run's profile copy is replaced.
    #[arg(long, requires = "resume")]
    pub force: bool,
    /// Extra exports besides results.jsonl and items/, one file per (command list, step)
    /// across all tenants, `tenant` first: `csv/`, `json/` (an array), `jsonl/` (one object a line).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub format: Vec<ExportFormat>,
    /// Reports written into the run directory at the end (report.html, junit.xml, report.md, report.xlsx).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FORMAT")]
    pub report: Vec<crate::report::ReportFormat>,
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
    /// Command lists of one tenant in flight at once (steps within a list always run in order).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub per_tenant: usize,
    /// Tenants that may sign in and discover their region ahead of the `-j` running ones
    /// (default: the same as -j, at most 128); 0 makes -j a strict cap on tenants talking
    /// to the service.
    #[arg(long, value_name = "N")]
    pub connect_ahead: Option<usize>,
    #[command(flatten)]
    pub emulator: super::emulator_faults::EmulatorFaultArgs,
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

/// Load the profiles, printing the full report on failure (exit 2).
pub fn load_profile(paths: &[PathBuf]) -> Result<Profile, CliError> {
    profile::load(paths).map_err(|e| {
        eprintln!("{e}");
        CliError::InvalidProfile(e.to_string())
    })
}

pub fn execute(args: RunArgs, verbose: u8, quiet: bool) -> Result<(), CliError> {
    let _ = verbose;
    let mut resume = args.resume.as_deref().map(output::resume::open).transpose().map_err(|e| match e {
        e if e.is_refusal() => CliError::Usage(e.to_string()),
        other => CliError::Fatal(other.to_string()),
    })?;
    let profile = match &resume {
        Some(r) if args.profiles.is_empty() => load_run_copy(&r.dir)?,
        _ => load_profile(&args.profiles)?,
    };
    if let Some(r) = &resume {
        check_unchanged(r, &profile, args.force)?;
    }
    let mut profile = profile;
    let resolution = resolve_tenants(&mut profile, resume.as_ref(), &args.emulator)?;
    if let (Some(r), None, false) = (&resolution, &resume, quiet) {
        super::tenants::note(r);
    }
    // `tenants.json` is written once the run directory exists; the resolution (one more
    // copy of every tenant) is rendered before planning and not kept through it.
    let needs_snapshot = match &resume {
        None => true,
        Some(r) => !r.dir.join(crate::discovery::snapshot::FILE).exists(),
    };
    let typed = SelectionRecord {
        tenants: args.selection.tenant_selectors()?,
        commands: args.selection.commands.clone(),
        shard: args.selection.shard.clone(),
    };
    let selection_record = match &resume {
        Some(r) if typed == SelectionRecord::default() => r.summary.selection.clone(),
        _ => typed,
    };
    let selection = Selection::from_args(
        &selection_record.tenants,
        &selection_record.commands,
        selection_record.shard.as_deref(),
    )
    .map_err(|e| CliError::Usage(e.to_string()))?;
    for warning in super::selection::unmatched_selectors(&selection, &profile) {
        eprintln!("{warning}");
    }
    super::selection::require_some_tenant(&selection, &profile)?;
    let snapshot = match (needs_snapshot, &resolution) {
        (false, _) => TenantsSnapshot::Kept,
        (true, Some(r)) => TenantsSnapshot::Text(
            crate::discovery::snapshot::render(
                r,
                profile.tenant_sources.iter().map(|s| s.name.clone()).collect(),
            )
            .map_err(snapshot_error)?,
        ),
        // Without sources the resolution is the profile's own list: written from the plan
        // when it will hold every tenant, else rendered before the plan takes them.
        (true, None) if resume.is_none() && profile.tenants.iter().all(|t| selection.selects_in_shard(t)) => {
            TenantsSnapshot::FromPlan
        }
        (true, None) => TenantsSnapshot::Text(
            crate::discovery::snapshot::render_profile(&profile).map_err(snapshot_error)?,
        ),
    };
    drop(resolution);
    // Every selected tenant moves into the plan; the profile's list is not read again and
    // would be one more copy of each tenant for the whole run (100,000 in the `scale` bench).
    let full_plan =
        planner::plan_taking(&mut profile, &selection).map_err(|e| CliError::Usage(e.to_string()))?;
    let planned = output::resume::planned_counts(&full_plan);
    let step_checks = Arc::new(output::judging::StepChecks::new(
        &profile,
        full_plan.tenants.iter().map(|t| t.tenant.clone()),
    ));
    // What is left to run: a resumed run's done steps go now (the plan is not copied).
    let remaining = match &resume {
        Some(r) => output::resume::without_done(full_plan, &r.done),
        None => full_plan,
    };
    require_readable_secrets(&profile, &remaining)?;

    let emulator = args.emulator.config()?;
    if args.emulator.any() && !plan_uses_emulator(&profile, &remaining) {
        tracing::warn!("the --emulator-* flags apply to the built-in `emulator` environment, which no selected tenant uses");
    }
    let mut config = RunConfig::from_profile(&profile);
    if let Some(j) = args.concurrency {
        config.set_concurrency(j);
    }
    config.per_tenant = args.per_tenant.max(1);
    config.connect_ahead =
        args.connect_ahead.unwrap_or_else(|| runner::engine::default_connect_ahead(config.concurrency));
    config.allow_write = args.allow_write;
    config.fail_fast = args.fail_fast;
    config.preflight = args.preflight;

    let (run_id, run_dir, mut summary) = open_run(&args.out, resume.as_ref(), &profile, &selection_record)?;
    let keep_copy = match &resume {
        None => true,
        // A changed profile (--force) replaces the copy; a run made before copies existed gets one.
        Some(r) => {
            !args.profiles.is_empty()
                && (r.summary.profile_digest != profile.digest || !profile_copy::exists(&r.dir))
        }
    };
    let written = match snapshot {
        TenantsSnapshot::Kept => Ok(()),
        TenantsSnapshot::Text(text) => crate::discovery::snapshot::write_text(&run_dir, &text),
        TenantsSnapshot::FromPlan => crate::discovery::snapshot::write_profile_tenants(
            &run_dir,
            remaining.tenants.iter().map(|t| &t.tenant),
        ),
    };
    if let Err(e) = written {
        return Err(CliError::Fatal(format!(
            "cannot write {}: {e}",
            run_dir.join(crate::discovery::snapshot::FILE).display()
        )));
    }
    if keep_copy {
        profile_copy::save(&run_dir, &profile.sources).map_err(|e| {
            CliError::Fatal(format!(
                "cannot copy the profile into {}: {e}",
                run_dir.join(profile_copy::PROFILE_DIR).display()
            ))
        })?;
    }
    // Largest tenants first (README, "Order"): execution order only, never shard membership.
    let plan = match &resume {
        Some(r) => planner::largest_first(remaining, &r.durations),
        None => planner::largest_first(remaining, &planner::RecordedDurations::default()),
    };
    // The done set and durations of a resumed run were for planning only.
    if let Some(r) = resume.as_mut() {
        r.done = Default::default();
        r.durations = Default::default();
    }
    let items = ItemsDir::new(&run_dir);
    items.remove_partials().map_err(|e| CliError::Fatal(format!("{}: {e}", run_dir.display())))?;
    let fatal = |e: std::io::Error| CliError::Fatal(format!("{}: {e}", run_dir.display()));
    write_start_summary(&mut summary, &planned, &run_dir)?;
    let mut journal =
        Journal::open(&run_dir.join(output::rundir::RESULTS)).map_err(|e| CliError::Fatal(e.to_string()))?;
    let judge = match step_checks.is_empty() {
        true => None,
        false => {
            Some(output::judging::LiveJudge::start(&run_dir, step_checks.clone()).map_err(CliError::Fatal)?)
        }
    };

    let mode = if quiet {
        progress::Mode::None
    } else {
        match args.progress {
            ProgressMode::Auto => progress::Mode::auto(),
            ProgressMode::Bar => progress::Mode::Bar,
            ProgressMode::Plain => progress::Mode::Plain,
            ProgressMode::None => progress::Mode::None,
        }
    };
    let mut view = Progress::new(mode);
    if !quiet {
        view.note(&format!("run {run_id}: {}", run_dir.display()));
    }

    // Loading, discovery and planning freed what the run will not reuse (its workers
    // allocate in arenas of their own): hand it back before the run starts.
    crate::heap::release_free_memory();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Fatal(format!("cannot start the async runtime: {e}")))?;
    let outcome = runtime.block_on(drive(
        &profile,
        plan,
        (config, emulator),
        items,
        &mut journal,
        judge.as_ref(),
        &mut view,
    ));
    view.finish();
    let _ = journal.sync();
    drop(journal);
    let judged = judge.map(output::judging::LiveJudge::finish).transpose();
    // Whatever stopped the run (the end, Ctrl-C once or twice, SIGTERM, a journal or
    // start-up failure), summary.json is final from here on: only kill -9 leaves it
    // at its start state.
    let driven = match outcome {
        Ok(d) => d,
        Err(e) => Driven { stopped: None, totals: output::Totals::default(), failure: Some(e) },
    };

    summary.finished_at = Some(output::rundir::now_rfc3339());
    summary.interrupted = driven.stopped == Some(StopReason::Interrupted);
    summary.totals.add(&driven.totals);
    // The journal is streamed into the folds, never read back whole (see `run_end`).
    let checks = judged.map(|j| j.map(|j| (&*step_checks, j)));
    let folded = super::run_end::fold(&run_dir, &planned, &mut summary, checks, !args.format.is_empty())?;
    let check_error = folded.checks.as_ref().err().cloned();
    summary.checks = folded.checks.clone().unwrap_or_default();
    summary.write(&run_dir).map_err(fatal)?;
    if let Some(e) = driven.failure {
        return Err(e);
    }
    if let Some(e) = check_error {
        return Err(CliError::Fatal(e));
    }
    if args.format.contains(&ExportFormat::Csv) {
        folded.export(output::export::export_csv_from, &run_dir)?;
    }
    if args.format.contains(&ExportFormat::Json) {
        folded.export(output::export::export_json_from, &run_dir)?;
    }
    if args.format.contains(&ExportFormat::Jsonl) {
        folded.export(output::export::export_jsonl_from, &run_dir)?;
    }
    let table = folded.table(&summary, &run_dir)?;
    drop(folded);
    output::rundir::write_summary_text(&run_dir, &table).map_err(fatal)?;
    print!("{table}");
    if !args.report.is_empty() {
        let view = crate::report::RunView::open(&run_dir).map_err(super::report::to_cli)?;
        for path in super::report::write_all(&view, &args.report, None)? {
            println!("Report: {}", path.display());
        }
    }
    if summary.interrupted && !quiet {
        eprint!("{}", resume_hint(&args.profiles, &run_dir, summary.counts.not_run));
    }

    if summary.interrupted {
        Err(CliError::Interrupted)
    } else if summary.counts.failed > 0 || summary.counts.not_run > 0 {
        // Steps that did not run without an interruption (`--fail-fast`, a crashed
        // tenant task) are not success either.
        Err(CliError::StepsFailed { failed: (summary.counts.failed + summary.counts.not_run) as usize })
    } else {
        checks_outcome(&summary)
    }
}

/// Exit 3 when every step succeeded but a check failed or could not be judged (a
/// skipped step leaves its checks in `error`: they did not pass).
pub fn checks_outcome(summary: &Summary) -> Result<(), CliError> {
    let c = &summary.checks.counts;
    match c.fail + c.error {
        0 => Ok(()),
        n => Err(CliError::ChecksFailed { failing: n as usize }),
    }
}

/// Every planned tenant's identity secrets can be read, before anything is contacted;
/// otherwise each problem is printed once, located at its identity (exit 2).
pub(crate) fn require_readable_secrets(profile: &Profile, plan: &Plan) -> Result<(), CliError> {
    let tenants: Vec<&crate::profile::Tenant> = plan.tenants.iter().map(|t| &t.tenant).collect();
    let cache = crate::auth::BrokerOptions::default_cache_dir();
    let problems = crate::auth::check_secrets(profile, &tenants, cache.as_deref());
    if problems.is_empty() {
        return Ok(());
    }
    let report = crate::profile::LoadError::new(problems).to_string();
    eprintln!("{report}");
    Err(CliError::InvalidProfile(report))
}

/// The profile a resumed run recorded in `RUN_DIR/profile/`.
fn load_run_copy(run_dir: &Path) -> Result<Profile, CliError> {
    profile_copy::load(run_dir).map_err(|e| match e {
        profile_copy::ProfileCopyError::Load(report) => {
            eprintln!("{report}");
            CliError::InvalidProfile(report.to_string())
        }
        other => CliError::Usage(format!("--resume {}: {other}", run_dir.display())),
    })
}

/// The run's tenants (SPEC §6): a resumed run's `tenants.json` when the profile has tenant
/// sources (the relationships are not read again), else the sources read now and merged
/// with the profile's `tenants:` in id order. Without sources the profile's order is kept.
fn resolve_tenants(
    profile: &mut Profile,
    resume: Option<&output::resume::Resume>,
    emulator: &super::emulator_faults::EmulatorFaultArgs,
) -> Result<Option<crate::discovery::Resolution>, CliError> {
    // Without sources the profile's list is the resolution (`snapshot::render_profile`).
    if profile.tenant_sources.is_empty() {
        return Ok(None);
    }
    let recorded = match resume {
        Some(r) => {
            crate::discovery::snapshot::read(&r.dir).map_err(|e| CliError::Usage(format!("--resume: {e}")))?
        }
        None => None,
    };
    let resolution = match recorded {
        Some(r) => r,
        None => super::tenants::resolve(profile, emulator.config()?)?,
    };
    resolution.apply(profile);
    Ok(Some(resolution))
}

/// A resumed run continues with the profile it started with, unless `--force`.
fn check_unchanged(resume: &output::resume::Resume, profile: &Profile, force: bool) -> Result<(), CliError> {
    let recorded = &resume.summary.profile_digest;
    if *recorded == profile.digest {
        return Ok(());
    }
    if force {
        tracing::warn!(
            "the profile changed since {} was started ({recorded} → {}); continuing (--force)",
            resume.dir.display(),
            profile.digest
        );
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "the profile changed since {} was started (digest {recorded}, now {}) (hint: resume with `--resume {}` \
         alone to use the profile the run recorded, or add --force to continue with this one)",
        resume.dir.display(),
        profile.digest,
        resume.dir.display()
    )))
}

/// The run directory and its summary: a fresh `OUT/<run-id>/`, or the resumed one
/// with its resume count bumped.
fn open_run(
    out: &Path,
    resume: Option<&output::resume::Resume>,
    profile: &Profile,
    selection: &SelectionRecord,
) -> Result<(String, PathBuf, Summary), CliError> {
    if let Some(r) = resume {
        let mut s = r.summary.clone();
        s.resumes += 1;
        s.finished_at = None;
        s.interrupted = false;
        s.selection = selection.clone();
        // Changed only with --force (see `check_unchanged`).
        s.profile_digest = profile.digest.clone();
        return Ok((s.run_id.clone(), r.dir.clone(), s));
    }
    let (id, dir) = output::rundir::create(out)
        .map_err(|e| CliError::Fatal(format!("cannot create a run directory in {}: {e}", out.display())))?;
    let s = Summary::started(
        id.clone(),
        output::rundir::now_rfc3339(),
        profile.digest.clone(),
        profile.sources.iter().map(|p| p.display().to_string()).collect(),
        selection.clone(),
    );
    Ok((id, dir, s))
}

/// `summary.json` is written at the start (`finished_at: null` marks a run in progress
/// or killed, and a resume is counted even if it is killed) and replaced at the end.
fn write_start_summary(
    summary: &mut Summary,
    planned: &BTreeMap<String, u64>,
    run_dir: &Path,
) -> Result<(), CliError> {
    super::run_end::fold(run_dir, planned, summary, Ok(None), false)?;
    summary.write(run_dir).map_err(|e| CliError::Fatal(format!("{}: {e}", run_dir.display())))?;
    // The per-tenant table is written; the final tally makes it again from the journal,
    // so it is not held through the run (a row per tenant).
    summary.tenants = BTreeMap::new();
    Ok(())
}

/// How `tenants.json` gets written once the run directory exists.
enum TenantsSnapshot {
    /// A resumed run's own is kept.
    Kept,
    /// Rendered before planning (tenant sources, or a selection leaving tenants out).
    Text(Vec<u8>),
    /// Written from the plan, which holds every tenant of a profile without sources.
    FromPlan,
}

fn snapshot_error(e: std::io::Error) -> CliError {
    CliError::Fatal(format!("cannot render {}: {e}", crate::discovery::snapshot::FILE))
}

/// What driving the engine produced.
struct Driven {
    stopped: Option<StopReason>,
    totals: output::Totals,
    /// What ended the run early besides a stop signal (a journal write failure).
    failure: Option<CliError>,
}

/// What an interrupted run prints on stderr: how much is left and the command that
/// finishes it.
fn resume_hint(profiles: &[PathBuf], run_dir: &Path, not_run: u64) -> String {
    let mut command = String::from("tenantrun run");
    for p in profiles {
        command.push(' ');
        command.push_str(&shell_word(&p.display().to_string()));
    }
    command.push_str(" --resume ");
    command.push_str(&shell_word(&run_dir.display().to_string()));
    let s = if not_run == 1 { "" } else { "s" };
    format!(
        "interrupted: {not_run} step{s} not run; results.jsonl holds every step that finished.\n\
         resume with:\n  {command}\n"
    )
}

/// `word` as one POSIX shell word (quoted only when it needs to be).
fn shell_word(word: &str) -> String {
    let plain =
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "_./:@%+=,-".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Start the engine (and the built-in emulator if the plan uses it), feed its events
/// to the journal and the progress view, and wait for it.
async fn drive(
    profile: &Profile,
    plan: Plan,
    (config, emulator): (RunConfig, crate::emulator::EmulatorConfig),
    items: ItemsDir,
    journal: &mut Journal,
    judge: Option<&output::judging::LiveJudge>,
    view: &mut Progress,
) -> Result<Driven, CliError> {
    let mut environments = used_environments(profile, &plan);
    let _emulator = runner::emulator_env::bind_builtin_emulator_with(&mut environments, emulator)
        .await
        .map_err(CliError::Fatal)?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stop = StopSignal::default();
    let tokens = Arc::new(runner::tokens::BrokerTokens::new(config.timeout));
    let engine = Engine::new(
        config,
        environments,
        profile.identities.clone(),
        tokens,
        items,
        stop.clone(),
        tx.clone(),
    )
    .map_err(|e| CliError::Fatal(e.to_string()))?;
    let (abort_tx, mut abort_rx) = tokio::sync::oneshot::channel();
    spawn_signal_handler(stop.clone(), tx.downgrade(), abort_tx);
    drop(tx);
    let engine = Arc::new(engine);
    let runner = engine.clone();
    let mut task = tokio::spawn(async move { runner.run(plan).await });
    let mut journal_error = None;
    let mut handle = |event: RunEvent| {
        if let RunEvent::StepFinished(record) = &event {
            if let Err(e) = journal.append(record) {
                // Without a journal the run is not resumable: stop starting steps.
                if journal_error.is_none() && stop.stop(StopReason::Interrupted) {
                    journal_error = Some(format!("cannot append to results.jsonl: {e}"));
                }
            } else if let Some(judge) = judge {
                // Judged after the journal line: a kill in between leaves the step
                // `ok` without check lines, and the end of the resumed run judges it.
                judge.on_step(record);
            }
        }
        view.on_event(&event);
    };
    let mut abort_seen = false;
    let joined = loop {
        tokio::select! {
            biased;
            Some(event) = rx.recv() => handle(event),
            // Second Ctrl-C: abandon the steps in flight (their partial items files are
            // cleaned up on resume); the summary is still written.
            signal = &mut abort_rx, if !abort_seen => {
                abort_seen = true;
                if signal.is_ok() {
                    task.abort();
                }
            }
            joined = &mut task => break joined,
        }
    };
    while let Ok(event) = rx.try_recv() {
        handle(event);
    }
    let stopped = match joined {
        Ok(stopped) => stopped,
        Err(e) if e.is_cancelled() => Some(StopReason::Interrupted),
        Err(e) => return Err(CliError::Fatal(format!("the run task failed: {e}"))),
    };
    let api = engine.stats().snapshot();
    let (tokens_requested, token_cache_hits) = engine.token_stats();
    let totals = output::Totals {
        requests: api.requests,
        retries: api.retries,
        throttled: api.throttled,
        token_renewals: api.token_renewals,
        tokens_requested,
        token_cache_hits,
    };
    Ok(Driven { stopped, totals, failure: journal_error.map(CliError::Fatal) })
}

/// Whether a planned tenant runs on the built-in, in-process emulator.
fn plan_uses_emulator(profile: &Profile, plan: &Plan) -> bool {
    used_environments(profile, plan).values().any(|e| e.is_emulator)
}

/// The profile's environments that the plan's tenants use.
fn used_environments(profile: &Profile, plan: &Plan) -> BTreeMap<String, crate::environment::Environment> {
    let names: HashSet<&str> = plan.tenants.iter().map(|t| t.tenant.environment.as_str()).collect();
    profile
        .environments
        .iter()
        .filter(|(n, _)| names.contains(n.as_str()))
        .map(|(n, e)| (n.clone(), e.clone()))
        .collect()
}

/// First Ctrl-C (or SIGTERM, SIGHUP): stop starting steps, let those in flight finish.
/// Second: abandon the steps in flight (`abort`); the run still writes its summary and
/// the resume command. Third: exit at once (130).
fn spawn_signal_handler(
    stop: StopSignal,
    events: tokio::sync::mpsc::WeakUnboundedSender<RunEvent>,
    abort: tokio::sync::oneshot::Sender<()>,
) {
    let mut signals = match super::signals::Interrupts::listen() {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            return;
        }
    };
    tokio::spawn(async move {
        signals.next().await;
        if stop.stop(StopReason::Interrupted) {
            if let Some(tx) = events.upgrade() {
                let _ = tx.send(RunEvent::Stopping(StopReason::Interrupted));
            }
        }
        signals.next().await;
        progress::log_sink::eprint_line(
            "aborted: steps in flight are abandoned; writing the summary (Ctrl-C again to quit at once)",
        );
        let _ = abort.send(());
        signals.next().await;
        progress::log_sink::eprint_line(
            "quit: results.jsonl holds every step finished so far (resume with --resume)",
        );
        std::process::exit(i32::from(crate::error::exit::INTERRUPTED));
    });
}

/// `plan --check`: ask each planned tenant's `EXOModuleFile` which cmdlets it grants.
/// Starts the built-in emulator when the plan uses it.
pub fn check_plan(profile: &Profile, plan: &Plan) -> Result<Vec<TenantCheck>, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Fatal(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let mut environments = used_environments(profile, plan);
        let _emulator =
            runner::emulator_env::bind_builtin_emulator(&mut environments).await.map_err(CliError::Fatal)?;
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let scratch = std::env::temp_dir();
        let engine = Engine::new(
            RunConfig::from_profile(profile),
            environments,
            profile.identities.clone(),
            Arc::new(runner::tokens::BrokerTokens::new(profile.defaults.timeout)),
            ItemsDir::new(&scratch),
            StopSignal::default(),
            tx,
        )
        .map_err(|e| CliError::Fatal(e.to_string()))?;
        Ok(engine.check(plan).await)
    })
}

/// The text `plan --check` prints: per tenant, the steps its role does not grant
/// (they would be `skipped` by `run --preflight`), or why the check failed.
/// Returns the text and whether every tenant could be checked.
pub fn render_check(checks: &[TenantCheck]) -> (String, bool) {
    use std::fmt::Write;
    let mut out = String::new();
    let mut all_checked = true;
    for c in checks {
        match (&c.error, c.missing.is_empty()) {
            (Some(e), _) => {
                all_checked = false;
                let _ = writeln!(out, "{}: not checked: {e}", c.tenant);
            }
            (None, true) => {
                let _ = writeln!(out, "{}: every planned cmdlet is granted", c.tenant);
            }
            (None, false) => {
                for (command, step, cmdlet) in &c.missing {
                    let _ = writeln!(
                        out,
                        "{}: {command}[{step}] {cmdlet}: not granted (would be skipped)",
                        c.tenant
                    );
                }
            }
        }
    }
    (out, all_checked)
}
