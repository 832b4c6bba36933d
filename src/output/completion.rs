//! After a run, the checks no line was written for (a run killed between a step's journal
//! line and its check lines, then resumed): a fold over the effective records that judges
//! each such step, then appends the lines to `checks.jsonl` and returns the effective lines.

use super::checks::{self, ChecksFile};
use super::judging::StepChecks;
use super::record::StepRecord;
use super::rundir::CHECKS;
use crate::expect::CheckRecord;
use std::collections::HashSet;
use std::path::Path;

/// The effective lines `checks.jsonl` has now (read before the fold borrows them).
pub fn have(run_dir: &Path) -> Result<Vec<CheckRecord>, String> {
    checks::read(&run_dir.join(CHECKS)).map(checks::effective).map_err(|e| e.to_string())
}

/// The lines missing so far, in record order.
pub struct Completion<'a> {
    run_dir: &'a Path,
    checks: &'a StepChecks,
    have: HashSet<(&'a str, &'a str)>,
    missing: Vec<CheckRecord>,
}

impl<'a> Completion<'a> {
    /// `have`: the effective lines of `checks.jsonl` (see [`have`]).
    pub fn new(run_dir: &'a Path, checks: &'a StepChecks, have: &'a [CheckRecord]) -> Self {
        let have = have.iter().map(|l| (l.tenant.as_str(), l.check.as_str())).collect();
        Completion { run_dir, checks, have, missing: Vec::new() }
    }

    /// Judge `r` when one of its step's checks has no line for its tenant.
    pub fn add(&mut self, r: &StepRecord) {
        if self.checks.check_ids(r).all(|id| self.have.contains(&(r.tenant.as_str(), id))) {
            return;
        }
        let judged = self.checks.judge(self.run_dir, r);
        let have = &self.have;
        self.missing
            .extend(judged.into_iter().filter(|l| !have.contains(&(l.tenant.as_str(), l.check.as_str()))));
    }

    /// The lines judged (none when every check had its line).
    pub fn into_missing(self) -> Vec<CheckRecord> {
        self.missing
    }
}

/// Append `missing` to `checks.jsonl` and return its effective lines (`have` when
/// nothing was missing).
pub fn write_missing(
    run_dir: &Path,
    have: Vec<CheckRecord>,
    missing: Vec<CheckRecord>,
) -> Result<Vec<CheckRecord>, String> {
    if missing.is_empty() {
        return Ok(have);
    }
    drop(have);
    let path = run_dir.join(CHECKS);
    let mut file = ChecksFile::open(&path).map_err(|e| e.to_string())?;
    file.append_all(&missing).map_err(|e| format!("cannot append to checks.jsonl: {e}"))?;
    file.sync().map_err(|e| e.to_string())?;
    checks::read(&path).map(checks::effective).map_err(|e| e.to_string())
}
