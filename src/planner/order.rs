//! The order tenants start in within one process: the largest first, so the run does
//! not end waiting on one big tenant started last (the pipeline's drain).
//!
//! A tenant's size is its expected time: the sum over the steps it has to run of each
//! step's duration in the journal being resumed, a step without one counting as the mean
//! of that tenant's recorded steps, else of all recorded steps. Without a journal every
//! step counts the same, so the tenant with the most steps starts first. Ties keep the
//! profile's order (the sort is stable). Only execution order changes: shard membership,
//! the plan `plan` prints, `summary.json` and `tenants.json` are unaffected (journal lines
//! are appended as steps finish, as always).

use super::plan::{Plan, TenantPlan};
use std::collections::HashMap;

/// Step durations recorded by an earlier run (`--resume`), in milliseconds.
#[derive(Debug, Default, Clone)]
pub struct RecordedDurations {
    steps: HashMap<(String, String, usize), u64>,
    /// Per tenant: (sum, count) of its recorded steps.
    tenants: HashMap<String, (u64, u64)>,
    all: (u64, u64),
}

impl RecordedDurations {
    /// Note that `tenant`'s step `index` of `command` took `ms` (the last call for a step wins
    /// for that step; callers pass each step's effective journal line once).
    pub fn record(&mut self, tenant: &str, command: &str, index: usize, ms: u64) {
        self.steps.insert((tenant.to_string(), command.to_string(), index), ms);
        let t = self.tenants.entry(tenant.to_string()).or_default();
        *t = (t.0.saturating_add(ms), t.1 + 1);
        self.all = (self.all.0.saturating_add(ms), self.all.1 + 1);
    }

    pub fn is_empty(&self) -> bool {
        self.all.1 == 0
    }

    /// The expected time of `tenant`'s planned steps (at least 1 per step, so recorded
    /// zero durations still rank by step count).
    fn weight(&self, tenant: &TenantPlan) -> u64 {
        let id = &tenant.tenant.id;
        let mean = |(sum, count): (u64, u64)| (count > 0).then(|| sum / count);
        let fallback = self.tenants.get(id).copied().and_then(mean).or_else(|| mean(self.all)).unwrap_or(1);
        tenant
            .steps
            .iter()
            .map(|s| {
                // Borrowed lookups would need a key type of their own; a resumed run's
                // plan is small next to the journal it was read from.
                let key = (id.clone(), s.command.clone(), s.index);
                self.steps.get(&key).copied().unwrap_or(fallback).max(1)
            })
            .fold(0u64, u64::saturating_add)
    }
}

/// `plan` with its tenants largest first (see the module docs); `recorded` is empty for a
/// fresh run.
pub fn largest_first(mut plan: Plan, recorded: &RecordedDurations) -> Plan {
    if recorded.is_empty() {
        plan.tenants.sort_by_cached_key(|t| std::cmp::Reverse(t.steps.len()));
    } else {
        plan.tenants.sort_by_cached_key(|t| std::cmp::Reverse(recorded.weight(t)));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str, steps: usize) -> TenantPlan {
        TenantPlan::sample(id, steps)
    }

    fn ids(plan: &Plan) -> Vec<&str> {
        plan.tenants.iter().map(|t| t.tenant.id.as_str()).collect()
    }

    #[test]
    fn without_a_journal_the_most_steps_start_first_and_ties_keep_profile_order() {
        let plan = Plan { tenants: vec![tenant("a", 1), tenant("b", 3), tenant("c", 2), tenant("d", 3)] };
        let ordered = largest_first(plan, &RecordedDurations::default());
        assert_eq!(ids(&ordered), ["b", "d", "c", "a"]);
    }

    #[test]
    fn recorded_durations_rank_tenants_and_fill_in_unrecorded_steps() {
        let mut recorded = RecordedDurations::default();
        // a: one recorded step of 10 ms; its unrecorded step 1 counts as 10 -> 20.
        recorded.record("a", "c", 0, 10);
        // b: 100 ms recorded for step 0 (done, so not planned); step 1 counts as 100 -> 100.
        recorded.record("b", "c", 0, 100);
        // c: nothing recorded; each of its 2 steps counts as the mean of all (110 / 5 = 22) -> 44.
        // d: zero durations still count 1 per step -> 3.
        for i in 0..3 {
            recorded.record("d", "c", i, 0);
        }
        let mut b = tenant("b", 2);
        b.steps.remove(0);
        let plan = Plan { tenants: vec![tenant("a", 2), b, tenant("c", 2), tenant("d", 3)] };
        let ordered = largest_first(plan, &recorded);
        assert_eq!(ids(&ordered), ["b", "c", "a", "d"]);
    }
}
