//! `tenantrun plan PROFILE... [selection]`: print what a run would do without
//! contacting anything — one row per tenant, or the tenant x step matrix with `--steps` —, marking the steps `read_only` would refuse and
//! those whose environment lacks the service. `--check` (the one option that
//! connects) asks each tenant which cmdlets it grants and marks the others.

use super::pipe;
use super::selection::SelectionArgs;
use crate::error::CliError;
use crate::planner::{self, Plan, Selection};
use crate::profile::{self, Profile, Service};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Profile files (.yaml, .yml, .toml) or directories of them (merged into one profile).
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Output format: `table` (one row per tenant; `--steps` for one row per step) or `json`.
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// Same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// The full tenant x step matrix instead of one row per tenant.
    #[arg(long)]
    pub steps: bool,
    /// Plan as `run --allow-write` would: write cmdlets are not refused.
    #[arg(long)]
    pub allow_write: bool,
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
    let mut profile = load_or_report(&args.profiles)?;
    let selection = args.selection.to_selection()?;
    if !profile.tenant_sources.is_empty() {
        let resolution = super::tenants::resolve(&profile, crate::emulator::EmulatorConfig::default())?;
        super::tenants::note(&resolution);
        resolution.apply(&mut profile);
    }
    // What needs the profile's whole tenant list comes first: the plan then takes the
    // selected tenants over instead of copying them (100,000 tenants, one list).
    let unmatched = super::selection::unmatched_selectors(&selection, &profile);
    let some_tenant = super::selection::require_some_tenant(&selection, &profile);
    let in_profile = profile.tenants.len();
    let plan = planner::plan_taking(&mut profile, &selection).map_err(|e| CliError::Usage(e.to_string()))?;
    for warning in unmatched {
        pipe::err(&format!("{warning}\n"));
    }
    some_tenant?;
    let read_only = profile.defaults.read_only;
    // `--check` contacts each tenant (EXOModuleFile); everything else is offline. It also
    // says what `validate` warns about (parameter values the service would refuse).
    if args.check {
        for w in &profile.warnings {
            pipe::err(&format!("{}\n", super::validate::warning_text(w)));
        }
        super::run::require_readable_secrets(&profile, &plan)?;
    }
    let checks = if args.check { Some(Checks::new(super::run::check_plan(&profile, &plan)?)) } else { None };
    let format = if args.json { PlanFormat::Json } else { args.format };
    match format {
        PlanFormat::Table => {
            let flags = (read_only, args.allow_write);
            let text = if args.steps {
                table(&profile, (&plan, in_profile), &selection, flags, checks.as_ref())
            } else {
                super::plan_compact::table(&profile, (&plan, in_profile), &selection, flags, checks.as_ref())
            };
            pipe::out(&text);
            pipe::out(&super::plan_checks::render(&profile, &plan));
        }
        PlanFormat::Json => {
            let stdout = std::io::stdout();
            // stdout is line-buffered: each 8 KiB chunk became two writes; 1 MiB chunks
            // make a plan of 100,000 tenants a few hundred (CHANGELOG, with the command).
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            let marks = (read_only, args.allow_write, checks.as_ref());
            let planned = (&plan, in_profile);
            pipe::ignore_closed(super::plan_json::write(&mut out, &profile, planned, &selection, marks));
        }
    }
    if plan.tenants.is_empty() {
        pipe::err("note: this shard holds none of the selected tenants\n");
    }
    if let Some(checks) = &checks {
        let failed: Vec<_> = checks.errors().collect();
        for (_, error) in &failed {
            pipe::err(&format!("error: cannot check granted cmdlets: {error}\n"));
        }
        if !failed.is_empty() {
            return Err(CliError::StepsFailed { failed: failed.len() });
        }
        let (steps, tenants) = checks.not_granted();
        if steps > 0 {
            let (s, t) = (if steps == 1 { "" } else { "s" }, if tenants == 1 { "" } else { "s" });
            pipe::err(&format!(
                "error: {steps} step{s} NOT GRANTED in {tenants} tenant{t}: the identity's role does not export \
                 the cmdlet (hint: assign the role, or `run --preflight` skips them)\n"
            ));
            return Err(CliError::StepsFailed { failed: steps });
        }
    }
    Ok(())
}

/// The outcome of `--check`, by tenant.
pub(crate) struct Checks(std::collections::HashMap<String, crate::runner::TenantCheck>);

impl Checks {
    fn new(all: Vec<crate::runner::TenantCheck>) -> Self {
        Checks(all.into_iter().map(|c| (c.tenant.clone(), c)).collect())
    }

    /// Whether the tenant grants this step's cmdlet: `Err` when it could not be checked.
    pub(crate) fn granted(&self, tenant: &str, command: &str, index: usize) -> Result<bool, &str> {
        match self.0.get(tenant) {
            Some(c) => match &c.error {
                Some(e) => Err(e),
                None => Ok(!c.missing.iter().any(|(cmd, i, _)| cmd == command && *i == index)),
            },
            None => Err("not checked"),
        }
    }

    /// Steps not granted, and the tenants they are in.
    fn not_granted(&self) -> (usize, usize) {
        let with: Vec<usize> = self.0.values().map(|c| c.missing.len()).filter(|n| *n > 0).collect();
        (with.iter().sum(), with.len())
    }

    fn errors(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut all: Vec<_> =
            self.0.values().filter_map(|c| c.error.as_deref().map(|e| (c.tenant.as_str(), e))).collect();
        all.sort();
        all.into_iter()
    }
}

/// Load profiles; on failure print the full report to stderr (exit 2).
pub fn load_or_report(paths: &[PathBuf]) -> Result<Profile, CliError> {
    profile::load(paths).map_err(|err| {
        pipe::err(&format!("{err}\n"));
        CliError::InvalidProfile(format!("{} problem(s)", err.diagnostics.len()))
    })
}

fn access(writes: bool, refused: bool) -> &'static str {
    match (writes, refused) {
        (false, _) => "read",
        (true, false) => "write",
        (true, true) => "write, refused (read_only)",
    }
}

/// Why a step cannot run in the tenant's environment (no front door for its service).
pub(crate) fn unavailable(profile: &Profile, environment: &str, service: Service) -> Option<String> {
    let env = profile.environment(environment)?;
    env.front_door(service).is_none().then(|| format!("{environment} has no {service} front door"))
}

/// What `plan` knows about one planned step besides its cmdlet.
pub(crate) struct StepMarks {
    /// `read_only` refuses it.
    pub refused: bool,
    /// Why the environment cannot run it.
    pub unavailable: Option<String>,
    /// With `--check`: granted, not granted, or not checked.
    pub granted: Option<Result<bool, ()>>,
}

/// The marks of step `s` of tenant `t`.
pub(crate) fn marks(
    profile: &Profile,
    t: &crate::planner::TenantPlan,
    s: &crate::planner::PlannedStep,
    (read_only, allow_write): (bool, bool),
    checks: Option<&Checks>,
) -> StepMarks {
    StepMarks {
        refused: s.refused(read_only, allow_write),
        unavailable: unavailable(profile, &t.tenant.environment, s.step.service),
        granted: checks.map(|c| c.granted(&t.tenant.id, &s.command, s.index).map_err(|_| ())),
    }
}

/// Totals over the marks, for the footer.
#[derive(Default)]
pub(crate) struct MarkTotals {
    pub refused: usize,
    pub blocked: usize,
    pub missing: usize,
}

impl MarkTotals {
    pub fn add(&mut self, m: &StepMarks) {
        self.refused += usize::from(m.refused);
        self.blocked += usize::from(m.unavailable.is_some());
        self.missing += usize::from(m.granted == Some(Ok(false)));
    }
}

/// `plan --steps`: one row per (tenant, step); `in_profile`: the profile's tenant count.
fn table(
    profile: &Profile,
    (plan, in_profile): (&Plan, usize),
    selection: &Selection,
    flags: (bool, bool),
    checks: Option<&Checks>,
) -> String {
    let header = ["TENANT", "ENVIRONMENT", "IDENTITY", "SERVICE", "COMMAND", "STEP", "CMDLET", "ACCESS"];
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut totals = MarkTotals::default();
    for t in &plan.tenants {
        for s in &t.steps {
            let m = marks(profile, t, s, flags, checks);
            totals.add(&m);
            let mut access = access(s.writes, m.refused).to_string();
            if let Some(why) = &m.unavailable {
                access.push_str(&format!(", unavailable ({why})"));
            }
            match m.granted {
                Some(Ok(true)) => access.push_str(", granted"),
                Some(Ok(false)) => access.push_str(", NOT GRANTED"),
                Some(Err(())) => access.push_str(", unchecked"),
                None => {}
            }
            rows.push(vec![
                t.tenant.id.clone(),
                t.tenant.environment.clone(),
                t.tenant.identity.clone(),
                s.step.service.to_string(),
                s.command.clone(),
                s.index.to_string(),
                s.step.cmdlet.clone(),
                access,
            ]);
        }
    }
    let mut out = super::plan_compact::columns(&header, &rows);
    out.push_str(&footer((plan, in_profile), selection, &totals, ""));
    out
}

/// The lines under either table: counts, then what needs attention.
pub(crate) fn footer(
    (plan, in_profile): (&Plan, usize),
    selection: &Selection,
    totals: &MarkTotals,
    extra: &str,
) -> String {
    let steps = plan.step_count();
    let shard = selection.shard.map(|s| format!(", shard {s}")).unwrap_or_default();
    let mut out = format!(
        "\n{} tenant{} of {}, {} step{}{shard}{extra}{}\n",
        plan.tenants.len(),
        if plan.tenants.len() == 1 { "" } else { "s" },
        in_profile,
        steps,
        if steps == 1 { "" } else { "s" },
        if totals.refused > 0 {
            format!("; {} refused by read_only (use --allow-write)", totals.refused)
        } else {
            String::new()
        },
    );
    if totals.missing > 0 {
        let s = if totals.missing == 1 { "" } else { "s" };
        out.push_str(&format!(
            "{} step{s} not granted: the tenant's role does not include the cmdlet\n",
            totals.missing
        ));
    }
    if totals.blocked > 0 {
        let s = if totals.blocked == 1 { "" } else { "s" };
        out.push_str(&format!(
            "{} step{s} cannot run: the environment has no front door for the service\n",
            totals.blocked
        ));
    }
    out
}

/// The `-t` selectors as the user wrote them (for the JSON plan).
pub(crate) fn selection_text(selection: &Selection) -> Vec<String> {
    use crate::planner::TenantSelector;
    let text = |s: &TenantSelector| match s {
        TenantSelector::Id(id) => id.clone(),
        TenantSelector::Tag(t) => format!("tag:{t}"),
        TenantSelector::Name { glob, .. } => format!("name:{glob}"),
    };
    selection
        .include
        .iter()
        .map(text)
        .chain(selection.exclude.iter().map(|s| format!("!{}", text(s))))
        .collect()
}
