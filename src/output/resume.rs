//! Reading a run back for `--resume`: the steps already `ok` in its journal, and the
//! plan without them.

use super::journal::{self, JournalError};
use super::record::{StepKey, StepStatus};
use super::rundir::RESULTS;
use super::summary::Summary;
use crate::planner::Plan;
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
}

/// Read `dir`'s summary and journal. A run directory holding a link anywhere, or a journal
/// naming items outside `items/`, is refused before anything is written (SPEC §9).
pub fn open(dir: &Path) -> Result<Resume, ResumeError> {
    let summary = Summary::read(dir)
        .map_err(|e| ResumeError::NotARun { dir: dir.display().to_string(), reason: e.to_string() })?;
    super::safe_fs::refuse_links(dir)?;
    let done = journal::effective(journal::read(&dir.join(RESULTS))?)
        .into_iter()
        .filter(|r| r.status == StepStatus::Ok)
        .map(|r| r.key())
        .collect();
    Ok(Resume { dir: dir.to_path_buf(), summary, done })
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
    use crate::planner::{PlannedStep, TenantPlan};
    use crate::profile::{Service, Step, Tenant};

    fn tenant(id: &str, steps: usize) -> TenantPlan {
        TenantPlan {
            tenant: Tenant {
                id: id.into(),
                name: None,
                tags: vec![],
                identity: "i".into(),
                environment: "e".into(),
                anchor_mailbox: None,
                bypass_mailbox_anchoring: false,
            },
            steps: (0..steps)
                .map(|index| PlannedStep {
                    command: "c".into(),
                    index,
                    step: Step {
                        cmdlet: "Get-X".into(),
                        service: Service::Compliance,
                        parameters: Default::default(),
                        select: vec![],
                        expect: Default::default(),
                    },
                    writes: false,
                })
                .collect(),
        }
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
