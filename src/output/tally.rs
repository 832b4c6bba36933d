//! The summary's `counts` and `tenants` as a fold: the planned steps per tenant, then the
//! effective records one at a time (streamed from the journal at the end of a run, or
//! from a slice for `merge`), then [`Tally::finish`] into the [`Summary`].

use super::record::{StepRecord, StepStatus};
use super::summary::{tenant_status, Counts, Summary, TenantSummary};
use std::collections::BTreeMap;

/// Per planned tenant, what its effective records add up to so far.
pub struct Tally {
    tenants: BTreeMap<String, TenantSummary>,
}

impl Tally {
    /// Nothing counted yet for the planned tenants (`planned`: steps per tenant).
    pub fn new(planned: &BTreeMap<String, u64>) -> Tally {
        let tenants = planned
            .iter()
            .map(|(t, n)| {
                let summary = TenantSummary {
                    status: String::new(),
                    steps: *n,
                    counts: Counts::default(),
                    items: 0,
                    duration_ms: 0,
                };
                (t.clone(), summary)
            })
            .collect();
        Tally { tenants }
    }

    /// Count one effective record (a tenant that was not planned is not counted).
    pub fn add(&mut self, r: &StepRecord) {
        let Some(t) = self.tenants.get_mut(&r.tenant) else { return };
        match r.status {
            StepStatus::Ok => t.counts.ok += 1,
            StepStatus::Failed => t.counts.failed += 1,
            StepStatus::Skipped => t.counts.skipped += 1,
        }
        t.items += r.item_count.unwrap_or(0);
        t.duration_ms += r.duration_ms;
    }

    /// Fill `summary`'s `counts` and `tenants` (`not_run` and each tenant's status).
    pub fn finish(mut self, summary: &mut Summary) {
        let mut counts = Counts::default();
        for t in self.tenants.values_mut() {
            let done = t.counts.ok + t.counts.failed + t.counts.skipped;
            t.counts.not_run = t.steps.saturating_sub(done);
            t.status = tenant_status(&t.counts).into();
            counts.add(&t.counts);
        }
        summary.counts = counts;
        summary.tenants = self.tenants;
    }
}
