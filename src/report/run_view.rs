//! A run directory read back for reporting: `summary.json`, the effective lines of
//! `results.jsonl` and `checks.jsonl`, and the plan rebuilt from the run's profile copy
//! (so steps that never ran show as "not run", and tenants keep their names and tags).
//!
//! Only these small per-step and per-check files are held; items files, whose size
//! grows with the objects tenants return, are never read here (XLSX and `diff` stream
//! them one line at a time).

use super::error::ReportError;
use crate::expect::{CheckRecord, CheckStatus};
use crate::output::{self, checks, journal, StepRecord, StepStatus, Summary};
use crate::planner::{self, Selection};
use crate::profile::Profile;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What happened to a planned step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepState {
    Ok,
    Skipped,
    NotRun,
    Failed,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Ok => "ok",
            StepState::Skipped => "skipped",
            StepState::NotRun => "not run",
            StepState::Failed => "failed",
        }
    }

    fn of(status: StepStatus) -> StepState {
        match status {
            StepStatus::Ok => StepState::Ok,
            StepStatus::Failed => StepState::Failed,
            StepStatus::Skipped => StepState::Skipped,
        }
    }
}

/// One planned (or recorded) step of a tenant.
#[derive(Debug, Clone)]
pub struct StepView {
    pub command: String,
    pub step: usize,
    pub cmdlet: String,
    /// Index into [`RunView::records`]; `None` when the step never finished.
    pub record: Option<usize>,
}

/// One tenant of the run.
#[derive(Debug, Clone)]
pub struct TenantView {
    pub id: String,
    pub name: Option<String>,
    pub tags: Vec<String>,
    /// `summary.json`'s per-tenant status (`ok`, `failed`, `skipped`, `incomplete`).
    pub status: String,
    /// In plan order (then recorded steps the plan does not know).
    pub steps: Vec<StepView>,
    /// Indices into [`RunView::checks`].
    pub checks: Vec<usize>,
}

/// A run directory, read.
#[derive(Debug)]
pub struct RunView {
    pub dir: PathBuf,
    pub summary: Summary,
    /// Command lists in profile order (then any the profile copy does not declare).
    pub commands: Vec<String>,
    /// In plan order (then tenants only the records know).
    pub tenants: Vec<TenantView>,
    /// The effective `results.jsonl` lines (last line of a step wins).
    pub records: Vec<StepRecord>,
    /// The effective `checks.jsonl` lines.
    pub checks: Vec<CheckRecord>,
}

impl RunView {
    /// Read `dir` (`OUT/<run-id>`).
    pub fn open(dir: &Path) -> Result<RunView, ReportError> {
        let summary = Summary::read(dir)
            .map_err(|e| ReportError::NotARun { path: dir.to_path_buf(), reason: e.to_string() })?;
        let records = journal::effective(journal::read(&dir.join(output::rundir::RESULTS))?);
        let checks = checks::effective(checks::read(&dir.join(output::rundir::CHECKS))?);
        // With tenant sources, the tenants the run resolved (its tenants.json), not a new discovery.
        let profile = output::profile_copy::load(dir).ok().map(|mut p| {
            if !p.tenant_sources.is_empty() {
                let _ = crate::discovery::snapshot::apply_from_run(&mut p, dir);
            }
            p
        });
        Ok(Self::build(dir, summary, records, checks, profile.as_ref()))
    }

    fn build(
        dir: &Path,
        summary: Summary,
        records: Vec<StepRecord>,
        checks: Vec<CheckRecord>,
        profile: Option<&Profile>,
    ) -> RunView {
        let mut b = Builder::default();
        if let Some(profile) = profile {
            b.commands.extend(profile.commands.iter().map(|c| c.name.clone()));
            let selection = Selection::from_args(
                &summary.selection.tenants,
                &summary.selection.commands,
                summary.selection.shard.as_deref(),
            );
            if let Ok(plan) = selection
                .map_err(|e| e.to_string())
                .and_then(|s| planner::plan(profile, &s).map_err(|e| e.to_string()))
            {
                for tp in &plan.tenants {
                    let t = b.tenant(&tp.tenant.id);
                    b.tenants[t].name = tp.tenant.name.clone();
                    b.tenants[t].tags = tp.tenant.tags.clone();
                    for s in &tp.steps {
                        b.step(t, &s.command, s.index, &s.step.cmdlet);
                    }
                }
            }
            for pt in &profile.tenants {
                if let Some(&t) = b.tenant_index.get(&pt.id) {
                    b.tenants[t].name = b.tenants[t].name.take().or_else(|| pt.name.clone());
                }
            }
        }
        for id in summary.tenants.keys() {
            b.tenant(id);
        }
        for (i, r) in records.iter().enumerate() {
            let t = b.tenant(&r.tenant);
            if b.tenants[t].name.is_none() {
                b.tenants[t].name = r.tenant_name.clone();
            }
            let s = b.step(t, &r.command, r.step, &r.cmdlet);
            b.tenants[t].steps[s].record = Some(i);
        }
        for (i, c) in checks.iter().enumerate() {
            let t = b.tenant(&c.tenant);
            if b.tenants[t].name.is_none() {
                b.tenants[t].name = c.tenant_name.clone();
            }
            b.tenants[t].checks.push(i);
        }
        let tenants = &b.tenants;
        b.commands.retain(|c| tenants.iter().any(|t| t.steps.iter().any(|s| &s.command == c)));
        for t in &mut b.tenants {
            t.status = match summary.tenants.get(&t.id) {
                Some(s) => s.status.clone(),
                None => "not run".to_string(),
            };
        }
        RunView { dir: dir.to_path_buf(), summary, commands: b.commands, tenants: b.tenants, records, checks }
    }

    /// What happened to `step`.
    pub fn state(&self, step: &StepView) -> StepState {
        match step.record {
            Some(i) => StepState::of(self.records[i].status),
            None => StepState::NotRun,
        }
    }

    /// The record of `step`, if it finished.
    pub fn record(&self, step: &StepView) -> Option<&StepRecord> {
        step.record.map(|i| &self.records[i])
    }

    /// A tenant's matrix cell for `command`: the worst state of its steps (failed, not
    /// run, skipped, ok), or `None` when the tenant had no step of that list.
    pub fn cell(&self, tenant: &TenantView, command: &str) -> Option<StepState> {
        tenant.steps.iter().filter(|s| s.command == command).map(|s| self.state(s)).max()
    }

    /// Check lines of `tenant` on `command` whose status is `fail`.
    pub fn failing_checks(&self, tenant: &TenantView, command: &str) -> usize {
        tenant
            .checks
            .iter()
            .filter(|&&i| self.checks[i].command == command && self.checks[i].status == CheckStatus::Fail)
            .count()
    }

    /// Run duration in milliseconds, when both ends parse.
    pub fn duration_ms(&self) -> Option<u64> {
        use time::format_description::well_known::Rfc3339;
        let start = time::OffsetDateTime::parse(&self.summary.started_at, &Rfc3339).ok()?;
        let end = time::OffsetDateTime::parse(self.summary.finished_at.as_deref()?, &Rfc3339).ok()?;
        u64::try_from((end - start).whole_milliseconds()).ok()
    }

    /// `id (name)`, or the id alone.
    pub fn label(tenant_id: &str, name: Option<&str>) -> String {
        match name {
            Some(n) if !n.is_empty() => format!("{tenant_id} ({n})"),
            _ => tenant_id.to_string(),
        }
    }
}

/// Accumulates tenants and their steps, each once, in first-seen order.
#[derive(Default)]
struct Builder {
    commands: Vec<String>,
    tenants: Vec<TenantView>,
    tenant_index: HashMap<String, usize>,
    step_index: HashMap<(usize, String, usize), usize>,
}

impl Builder {
    fn tenant(&mut self, id: &str) -> usize {
        if let Some(&i) = self.tenant_index.get(id) {
            return i;
        }
        self.tenants.push(TenantView {
            id: id.to_string(),
            name: None,
            tags: Vec::new(),
            status: String::new(),
            steps: Vec::new(),
            checks: Vec::new(),
        });
        self.tenant_index.insert(id.to_string(), self.tenants.len() - 1);
        self.tenants.len() - 1
    }

    fn step(&mut self, tenant: usize, command: &str, step: usize, cmdlet: &str) -> usize {
        if !self.commands.iter().any(|c| c == command) {
            self.commands.push(command.to_string());
        }
        let key = (tenant, command.to_string(), step);
        if let Some(&i) = self.step_index.get(&key) {
            return i;
        }
        let steps = &mut self.tenants[tenant].steps;
        steps.push(StepView { command: command.to_string(), step, cmdlet: cmdlet.to_string(), record: None });
        self.step_index.insert(key, steps.len() - 1);
        steps.len() - 1
    }
}
