//! `summary.json`: run id, start/end, profile digest, selection, counts per status,
//! per-tenant status and request/retry/token totals. Computed from the journal's
//! effective records and the planned steps, so a resumed or merged run summarises
//! the union of its parts.

use super::record::StepRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The selection as typed, kept so `--resume` can rebuild the same plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SelectionRecord {
    pub tenants: Vec<String>,
    pub commands: Vec<String>,
    pub shard: Option<String>,
}

/// Steps per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub ok: u64,
    pub failed: u64,
    pub skipped: u64,
    /// Planned but not finished (interrupted, `--fail-fast`).
    pub not_run: u64,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.ok += other.ok;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.not_run += other.not_run;
    }
}

/// One tenant's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantSummary {
    /// `ok`, `failed`, `skipped` (every step skipped) or `incomplete` (some not run).
    pub status: String,
    /// Planned steps.
    pub steps: u64,
    #[serde(flatten)]
    pub counts: Counts,
    pub items: u64,
    /// Sum of the step durations.
    pub duration_ms: u64,
}

/// Totals across the run (added up over resumes and merged shards).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub token_renewals: u64,
    pub tokens_requested: u64,
    pub token_cache_hits: u64,
}

impl Totals {
    pub fn add(&mut self, o: &Totals) {
        self.requests += o.requests;
        self.retries += o.retries;
        self.throttled += o.throttled;
        self.token_renewals += o.token_renewals;
        self.tokens_requested += o.tokens_requested;
        self.token_cache_hits += o.token_cache_hits;
    }
}

/// The whole `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub run_id: String,
    pub started_at: String,
    /// `null` while the run is in progress (or if it was killed).
    pub finished_at: Option<String>,
    pub interrupted: bool,
    pub profile_digest: String,
    pub profiles: Vec<String>,
    pub selection: SelectionRecord,
    pub counts: Counts,
    pub tenants: BTreeMap<String, TenantSummary>,
    pub totals: Totals,
    /// How many times the run was resumed.
    pub resumes: u32,
    /// For merged runs: the run ids that were combined.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// For a `merge --partial` of an incomplete set of shards: the shards (`I/N`) it lacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_shards: Vec<String>,
    /// (tenant, check) lines of `checks.jsonl` by status, and the failing checks.
    #[serde(default)]
    pub checks: ChecksSummary,
}

/// `summary.json`'s `checks`: counts by status and each failing check with its tenant count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChecksSummary {
    #[serde(flatten)]
    pub counts: crate::expect::CheckCounts,
    /// Checks failing in at least one tenant: most severe first, then most tenants.
    pub failing: Vec<FailingCheck>,
}

/// One failing check across the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailingCheck {
    pub check: String,
    pub title: Option<String>,
    pub severity: crate::expect::Severity,
    /// Tenants whose status for this check is `fail`.
    pub tenants: u64,
}

impl ChecksSummary {
    /// Count the effective check lines.
    pub fn from_lines(lines: &[crate::expect::CheckRecord]) -> Self {
        let mut tally = ChecksTally::default();
        lines.iter().for_each(|l| tally.add(l));
        tally.finish()
    }
}

/// [`ChecksSummary`] built a line at a time (the live judge counts what it writes).
#[derive(Debug, Default)]
pub struct ChecksTally {
    counts: crate::expect::CheckCounts,
    failing: BTreeMap<String, FailingCheck>,
}

impl ChecksTally {
    /// Count one effective line (each (tenant, check) once).
    pub fn add(&mut self, l: &crate::expect::CheckRecord) {
        self.counts.count(l.status);
        if l.status != crate::expect::CheckStatus::Fail {
            return;
        }
        match self.failing.get_mut(&l.check) {
            Some(f) => f.tenants += 1,
            None => {
                let f = FailingCheck {
                    check: l.check.clone(),
                    title: l.title.clone(),
                    severity: l.severity,
                    tenants: 1,
                };
                self.failing.insert(l.check.clone(), f);
            }
        }
    }

    /// Most severe failing check first, then most tenants, then by id.
    pub fn finish(self) -> ChecksSummary {
        let mut failing: Vec<FailingCheck> = self.failing.into_values().collect();
        failing.sort_by(|a, b| {
            b.severity.cmp(&a.severity).then(b.tenants.cmp(&a.tenants)).then(a.check.cmp(&b.check))
        });
        ChecksSummary { counts: self.counts, failing }
    }
}

impl Summary {
    /// A run that has just started: nothing counted yet, not finished, never resumed.
    pub fn started(
        run_id: String,
        started_at: String,
        profile_digest: String,
        profiles: Vec<String>,
        selection: SelectionRecord,
    ) -> Self {
        Summary {
            run_id,
            started_at,
            finished_at: None,
            interrupted: false,
            profile_digest,
            profiles,
            selection,
            counts: Counts::default(),
            tenants: BTreeMap::new(),
            totals: Totals::default(),
            resumes: 0,
            merged_from: vec![],
            checks: ChecksSummary::default(),
            missing_shards: vec![],
        }
    }

    /// Fill `counts` and `tenants` from the planned step count per tenant and the
    /// effective records (see [`super::tally::Tally`] for the same, one record at a time).
    pub fn tally(&mut self, planned: &BTreeMap<String, u64>, records: &[StepRecord]) {
        let mut tally = super::tally::Tally::new(planned);
        records.iter().for_each(|r| tally.add(r));
        tally.finish(self);
    }

    /// Write atomically (temporary file + rename), as it is serialized: a row per tenant,
    /// ~20 MB of text at 100,000 tenants, is never held whole.
    pub fn write(&self, run_dir: &Path) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut file = super::safe_fs::Replacement::create(&run_dir.join(super::rundir::SUMMARY))?;
        serde_json::to_writer_pretty(&mut file, self).map_err(std::io::Error::other)?;
        file.write_all(b"\n")?;
        file.commit()
    }

    /// Read a run directory's summary.
    pub fn read(run_dir: &Path) -> std::io::Result<Summary> {
        let mut text = Vec::new();
        std::io::Read::read_to_end(
            &mut super::safe_fs::open_read(&run_dir.join(super::rundir::SUMMARY))?,
            &mut text,
        )?;
        serde_json::from_slice(&text).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

/// A tenant's status from its counts.
pub fn tenant_status(c: &Counts) -> &'static str {
    if c.failed > 0 {
        "failed"
    } else if c.not_run > 0 {
        "incomplete"
    } else if c.skipped > 0 && c.ok == 0 {
        "skipped"
    } else {
        "ok"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::StepStatus;
    use crate::profile::Service;

    #[test]
    fn tally_counts_and_statuses() {
        let rec = |t: &str, s: usize, status| StepRecord {
            service: Service::Compliance,
            duration_ms: 10,
            item_count: Some(2),
            ..StepRecord::sample(t, s, status)
        };
        let planned: BTreeMap<String, u64> =
            [("a".into(), 2), ("b".into(), 2), ("c".into(), 2), ("d".into(), 1)].into();
        let records = vec![
            rec("a", 0, StepStatus::Ok),
            rec("a", 1, StepStatus::Ok),
            rec("b", 0, StepStatus::Ok),
            rec("b", 1, StepStatus::Failed),
            rec("c", 0, StepStatus::Ok),
            rec("d", 0, StepStatus::Skipped),
        ];
        let mut s = Summary::started("r".into(), "t".into(), "d".into(), vec![], SelectionRecord::default());
        s.tally(&planned, &records);
        assert_eq!(s.counts, Counts { ok: 4, failed: 1, skipped: 1, not_run: 1 });
        let st: Vec<_> = s.tenants.values().map(|t| t.status.as_str()).collect();
        assert_eq!(st, vec!["ok", "failed", "incomplete", "skipped"]);
        assert_eq!(s.tenants["a"].items, 4);
    }
}
