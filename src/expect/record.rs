//! One line of `checks.jsonl` (SPEC §7): a (tenant, check) judgement, and the
//! counts `summary.json` keeps of them.

use super::exemption::ExemptionNote;
use super::model::Severity;
use serde::{Deserialize, Serialize};

/// A check's status for one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    /// The step failed or was skipped: nothing to judge.
    Error,
    /// An unexpired exemption applies (`outcome` keeps what it would have been).
    Exempt,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "fail",
            CheckStatus::Error => "error",
            CheckStatus::Exempt => "exempt",
        }
    }
}

/// The exact field set and order of a `checks.jsonl` line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub tenant: String,
    pub tenant_name: Option<String>,
    pub check: String,
    pub title: Option<String>,
    pub severity: Severity,
    pub command: String,
    pub step: usize,
    pub cmdlet: String,
    pub status: CheckStatus,
    /// `pass`, `fail` or `error`: what the status is without exemptions.
    pub outcome: CheckStatus,
    /// Objects looked at (after `where`).
    pub objects_checked: u64,
    pub objects_failing: u64,
    /// The first failing objects in server order, by `Identity`, `Name`, `Guid`, `Id`, else `#N`.
    pub failing: Vec<String>,
    /// One sentence.
    pub detail: String,
    pub exemption: Option<ExemptionNote>,
}

/// Identifies a check line across runs: (tenant, check id).
pub type CheckKey = (String, String);

impl CheckRecord {
    pub fn key(&self) -> CheckKey {
        (self.tenant.clone(), self.check.clone())
    }
}

/// (tenant, check) lines per status, for `summary.json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckCounts {
    pub pass: u64,
    pub fail: u64,
    pub error: u64,
    pub exempt: u64,
}

impl CheckCounts {
    pub fn count(&mut self, status: CheckStatus) {
        match status {
            CheckStatus::Pass => self.pass += 1,
            CheckStatus::Fail => self.fail += 1,
            CheckStatus::Error => self.error += 1,
            CheckStatus::Exempt => self.exempt += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.pass + self.fail + self.error + self.exempt
    }
}
