//! What `diff` finds, as the renderers receive it: a step's object changes one at a
//! time (so a 100,000-object step is never held), then the tenants, check transitions
//! and steps that could not be compared, and the totals that decide the exit code.

use crate::expect::CheckStatus;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io;

/// A compared (tenant, command list, step).
#[derive(Debug, Clone)]
pub struct StepId {
    pub tenant: String,
    pub tenant_name: Option<String>,
    pub command: String,
    pub step: usize,
    pub cmdlet: String,
}

/// One object's difference.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectChange {
    /// An object only the new run has, with its key (empty when keyed by content).
    Added { key: Map<String, Value>, object: Map<String, Value> },
    /// An object only the old run has.
    Removed { key: Map<String, Value>, object: Map<String, Value> },
    Changed {
        /// `{PROP: VALUE}` of the key property (empty for objects keyed by content).
        key: Map<String, Value>,
        /// Dotted path → (old, new).
        changes: BTreeMap<String, (Value, Value)>,
    },
}

/// A tenant in one run only.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantRef {
    pub id: String,
    pub name: Option<String>,
}

/// A (tenant, check) whose status moved (or that stayed failing).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckChange {
    pub tenant: String,
    pub tenant_name: Option<String>,
    pub check: String,
    pub old: Option<CheckStatus>,
    pub new: Option<CheckStatus>,
}

impl CheckChange {
    /// SPEC §8's transition names; "changed" for other moves (pass → error, ...).
    pub fn transition(&self) -> &'static str {
        use CheckStatus::*;
        match (self.old, self.new) {
            (None, _) => "new check",
            (_, None) => "removed check",
            (Some(Fail), Some(Fail)) => "still failing",
            (_, Some(Fail)) => "new failure",
            (Some(Fail), Some(Pass)) => "fixed",
            (_, Some(Exempt)) => "newly exempt",
            _ => "changed",
        }
    }

    /// Whether it counts as a difference (everything but "still failing").
    pub fn differs(&self) -> bool {
        self.transition() != "still failing"
    }
}

/// A step `ok` in only one run, or in neither.
#[derive(Debug, Clone, PartialEq)]
pub struct NotComparable {
    pub tenant: String,
    pub tenant_name: Option<String>,
    pub command: String,
    pub step: usize,
    pub cmdlet: String,
    pub why: String,
}

/// Counts over the whole diff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    pub steps_changed: u64,
    pub tenants_added: u64,
    pub tenants_removed: u64,
    pub check_changes: u64,
    pub still_failing: u64,
    pub not_comparable: u64,
}

impl Totals {
    /// Exit 3 territory: objects, tenants or checks moved ("still failing" and "not
    /// comparable" alone are not differences).
    pub fn differs(&self) -> bool {
        self.added
            + self.removed
            + self.changed
            + self.tenants_added
            + self.tenants_removed
            + self.check_changes
            > 0
    }
}

/// Everything but the object changes, known before any items file is read.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub old: String,
    pub new: String,
    pub tenants_added: Vec<TenantRef>,
    pub tenants_removed: Vec<TenantRef>,
    pub checks: Vec<CheckChange>,
    pub not_comparable: Vec<NotComparable>,
}

/// A renderer of the diff (table, JSON, Markdown, HTML).
pub trait DiffSink {
    /// Before any step: the runs and the tenants added or removed.
    fn begin(&mut self, overview: &Overview) -> io::Result<()>;
    /// One object change of `step` (changes of one step arrive together).
    fn object(&mut self, step: &StepId, change: &ObjectChange) -> io::Result<()>;
    /// After the last change of a step that had any.
    fn end_step(&mut self) -> io::Result<()>;
    /// After every step: the checks, the steps not comparable and the totals.
    fn finish(&mut self, overview: &Overview, totals: &Totals) -> io::Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use CheckStatus::*;

    fn change(old: Option<CheckStatus>, new: Option<CheckStatus>) -> CheckChange {
        CheckChange { tenant: "t".into(), tenant_name: None, check: "C".into(), old, new }
    }

    #[test]
    fn transitions_have_the_spec_names_and_only_still_failing_is_no_difference() {
        let cases = [
            (Some(Pass), Some(Fail), "new failure"),
            (Some(Error), Some(Fail), "new failure"),
            (Some(Fail), Some(Pass), "fixed"),
            (Some(Fail), Some(Fail), "still failing"),
            (Some(Fail), Some(Exempt), "newly exempt"),
            (None, Some(Pass), "new check"),
            (Some(Pass), None, "removed check"),
            (Some(Pass), Some(Error), "changed"),
        ];
        for (old, new, name) in cases {
            let c = change(old, new);
            assert_eq!(c.transition(), name, "{old:?} -> {new:?}");
            assert_eq!(c.differs(), name != "still failing");
        }
        let only_not_comparable = Totals { not_comparable: 4, still_failing: 2, ..Totals::default() };
        assert!(!only_not_comparable.differs());
        assert!(Totals { tenants_removed: 1, ..Totals::default() }.differs());
    }
}
