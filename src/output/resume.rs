//! Reading a run back for `--resume`: the steps already `ok` in its journal, the plan
//! without them, and every step's recorded duration (the resumed run starts its largest
//! tenants first).

use super::journal::JournalError;
use super::journal_index::EffectiveIndex;
use super::record::{StepKey, StepRecord, StepStatus};
use super::rundir::RESULTS;
use super::summary::Summary;
use crate::planner::{Plan, RecordedDurations};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Why a run directory cannot be resumed.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error("--resume {dir}: not a run directory ({reason}) (hint: pass OUT/<run-id>)")]
    NotARun { dir: String, reason: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    RunDir(#[from] super::safe_fs::RunDirError),
}

impl ResumeError {
    /// Whether the run directory was refused (not a run, a link, a path outside it): the
    /// user's to fix, nothing was written.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ResumeError::NotARun { .. }
                | ResumeError::RunDir(super::safe_fs::RunDirError::Link(_))
                | ResumeError::Journal(JournalError::UnsafeItems { .. })
        )
    }
}

/// What a resumed run starts from.
#[derive(Debug)]
pub struct Resume {
    pub dir: PathBuf,
    pub summary: Summary,
    /// Steps whose last journal line is `ok`.
    pub done: HashSet<StepKey>,
    /// `duration_ms` of each step's last journal line.
    pub durations: RecordedDurations,
}

/// Read `dir`'s summary and journal. A run directory holding a link anywhere, or a journal
/// naming items outside `items/`, is refused before anything is written (SPEC §9).
pub fn open(dir: &Path) -> Result<Resume, ResumeError> {
    let summary = Summary::read(dir)
        .map_err(|e| ResumeError::NotARun { dir: dir.display().to_string(), reason: e.to_string() })?;
    super::safe_fs::refuse_links(dir)?;
    let mut done = HashSet::new();
    let mut durations = RecordedDurations::default();
    // Streamed: the effective lines one at a time, never the whole journal's records.
    EffectiveIndex::scan(&dir.join(RESULTS))?.replay(|_, r: StepRecord| {
        durations.record(&r.tenant, &r.command, r.step, r.duration_ms);
        if r.status == StepStatus::Ok {
            done.insert((r.tenant, r.command, r.step));
        }
    })?;
    Ok(Resume { dir: dir.to_path_buf(), summary, done, durations })
}

/// `plan` without the steps in `done`; tenants left with nothing are dropped.
pub fn without_done(plan: Plan, done: &HashSet<StepKey>) -> Plan {
    let tenants = plan
        .tenants
        .into_iter()
        .filter_map(|mut t| {
            t.steps.retain(|s| !done.contains(&(t.tenant.id.clone(), s.command.clone(), s.index)));
            (!t.steps.is_empty()).then_some(t)
        })
        .collect();
    Plan { tenants }
}

/// Planned steps per tenant (for the summary's `not_run`).
pub fn planned_counts(plan: &Plan) -> BTreeMap<String, u64> {
    plan.tenants.iter().map(|t| (t.tenant.id.clone(), t.steps.len() as u64)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::TenantPlan;

    fn tenant(id: &str, steps: usize) -> TenantPlan {
        TenantPlan::sample(id, steps)
    }

    #[test]
    fn done_steps_and_finished_tenants_are_dropped() {
        let plan = Plan { tenants: vec![tenant("a", 2), tenant("b", 2)] };
        let done: HashSet<StepKey> =
            [("a".into(), "c".into(), 0), ("b".into(), "c".into(), 0), ("b".into(), "c".into(), 1)].into();
        let rest = without_done(plan.clone(), &done);
        assert_eq!(rest.tenants.len(), 1);
        assert_eq!(rest.tenants[0].tenant.id, "a");
        assert_eq!(rest.tenants[0].steps.iter().map(|s| s.index).collect::<Vec<_>>(), vec![1]);
        assert_eq!(planned_counts(&plan), [("a".to_string(), 2u64), ("b".to_string(), 2u64)].into());
    }

    #[test]
    fn a_folder_without_summary_is_not_a_run() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(open(dir.path()), Err(ResumeError::NotARun { .. })));
    }
}
