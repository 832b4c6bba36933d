//! The comparison itself: which tenants, steps and checks the two runs share, and the
//! sort-merge join of each comparable step's two items files.

use super::change::*;
use super::keyed::Rules;
use super::sorted::{Entry, SortedItems, DEFAULT_CHUNK};
use crate::expect::CheckRecord;
use crate::output::{items, StepRecord, StepStatus};
use crate::report::error::ReportError;
use crate::report::run_view::RunView;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::iter::Peekable;
use std::path::Path;

/// How to compare.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub rules: Rules,
    /// Objects sorted in memory per file before chunks go to disk.
    pub chunk: usize,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions { rules: Rules::new(None, &[]), chunk: DEFAULT_CHUNK }
    }
}

/// Compare the run directories `old` and `new`, feeding `sink`; the totals.
pub fn diff(
    old: &Path,
    new: &Path,
    options: &DiffOptions,
    sink: &mut dyn DiffSink,
) -> Result<Totals, ReportError> {
    let a = RunView::open(old)?;
    let b = RunView::open(new)?;
    let io = |e| ReportError::Io { path: new.to_path_buf(), source: e };
    let a_tenants: HashSet<&str> = a.tenants.iter().map(|t| t.id.as_str()).collect();
    let b_tenants: HashSet<&str> = b.tenants.iter().map(|t| t.id.as_str()).collect();
    let mut overview = Overview {
        old: a.summary.run_id.clone(),
        new: b.summary.run_id.clone(),
        tenants_added: refs(&b, |id| !a_tenants.contains(id)),
        tenants_removed: refs(&a, |id| !b_tenants.contains(id)),
        checks: check_changes(&a, &b, &a_tenants),
        not_comparable: Vec::new(),
    };
    let comparable = steps(&a, &b, &a_tenants, &mut overview.not_comparable);
    let mut totals = Totals {
        tenants_added: overview.tenants_added.len() as u64,
        tenants_removed: overview.tenants_removed.len() as u64,
        check_changes: overview.checks.iter().filter(|c| c.differs()).count() as u64,
        still_failing: overview.checks.iter().filter(|c| !c.differs()).count() as u64,
        not_comparable: overview.not_comparable.len() as u64,
        ..Totals::default()
    };
    sink.begin(&overview).map_err(io)?;
    for (id, old_record, new_record) in comparable {
        let old_items =
            old.join(items::relative_path(&old_record.command, &old_record.tenant, old_record.step));
        let new_items =
            new.join(items::relative_path(&new_record.command, &new_record.tenant, new_record.step));
        let changes = join_step(&old_items, &new_items, options, &id, sink, &mut totals)?;
        if changes > 0 {
            totals.steps_changed += 1;
            sink.end_step().map_err(io)?;
        }
    }
    sink.finish(&overview, &totals).map_err(io)?;
    Ok(totals)
}

fn refs(view: &RunView, keep: impl Fn(&str) -> bool) -> Vec<TenantRef> {
    view.tenants
        .iter()
        .filter(|t| keep(&t.id))
        .map(|t| TenantRef { id: t.id.clone(), name: t.name.clone() })
        .collect()
}

/// The steps of tenants in both runs: those `ok` in both (to compare), the others
/// recorded as not comparable.
fn steps<'a>(
    a: &'a RunView,
    b: &'a RunView,
    a_tenants: &HashSet<&str>,
    not_comparable: &mut Vec<NotComparable>,
) -> Vec<(StepId, &'a StepRecord, &'a StepRecord)> {
    let old: HashMap<(&str, &str, usize), &StepRecord> =
        a.records.iter().map(|r| ((r.tenant.as_str(), r.command.as_str(), r.step), r)).collect();
    let mut out = Vec::new();
    let mut seen: HashSet<(&str, &str, usize)> = HashSet::new();
    for t in b.tenants.iter().filter(|t| a_tenants.contains(t.id.as_str())) {
        for s in &t.steps {
            let key = (t.id.as_str(), s.command.as_str(), s.step);
            seen.insert(key);
            let id = StepId {
                tenant: t.id.clone(),
                tenant_name: t.name.clone(),
                command: s.command.clone(),
                step: s.step,
                cmdlet: s.cmdlet.clone(),
            };
            let old_record = old.get(&key).copied();
            let new_record = b.record(s);
            match (old_record, new_record) {
                (Some(o), Some(n)) if o.status == StepStatus::Ok && n.status == StepStatus::Ok => {
                    out.push((id, o, n))
                }
                (o, n) => not_comparable.push(NotComparable {
                    why: why(o, n),
                    tenant: id.tenant,
                    tenant_name: id.tenant_name,
                    command: id.command,
                    step: id.step,
                    cmdlet: id.cmdlet,
                }),
            }
        }
    }
    let b_tenants: HashSet<&str> = b.tenants.iter().map(|t| t.id.as_str()).collect();
    for t in a.tenants.iter().filter(|t| b_tenants.contains(t.id.as_str())) {
        for s in t.steps.iter().filter(|s| !seen.contains(&(t.id.as_str(), s.command.as_str(), s.step))) {
            not_comparable.push(NotComparable {
                tenant: t.id.clone(),
                tenant_name: t.name.clone(),
                command: s.command.clone(),
                step: s.step,
                cmdlet: s.cmdlet.clone(),
                why: "not in the new run".to_string(),
            });
        }
    }
    out
}

fn why(old: Option<&StepRecord>, new: Option<&StepRecord>) -> String {
    let state = |r: Option<&StepRecord>| r.map_or("not run", |r| r.status.as_str());
    match (old, new) {
        (None, Some(n)) if n.status == StepStatus::Ok => "not in the old run".to_string(),
        (Some(o), Some(n)) if o.status != StepStatus::Ok && n.status != StepStatus::Ok => {
            format!("{} in the old run, {} in the new run", o.status.as_str(), n.status.as_str())
        }
        (o, n) if o.is_some_and(|o| o.status == StepStatus::Ok) => format!("{} in the new run", state(n)),
        (o, _) => format!("{} in the old run", state(o)),
    }
}

/// Check lines of tenants in both runs whose status moved, plus those still failing.
fn check_changes(a: &RunView, b: &RunView, a_tenants: &HashSet<&str>) -> Vec<CheckChange> {
    let b_tenants: HashSet<&str> = b.tenants.iter().map(|t| t.id.as_str()).collect();
    let old: HashMap<(&str, &str), &CheckRecord> =
        a.checks.iter().map(|c| ((c.tenant.as_str(), c.check.as_str()), c)).collect();
    let new: HashMap<(&str, &str), &CheckRecord> =
        b.checks.iter().map(|c| ((c.tenant.as_str(), c.check.as_str()), c)).collect();
    let mut out = Vec::new();
    for c in b.checks.iter().filter(|c| a_tenants.contains(c.tenant.as_str())) {
        let before = old.get(&(c.tenant.as_str(), c.check.as_str())).map(|o| o.status);
        if before != Some(c.status) || c.status == crate::expect::CheckStatus::Fail {
            out.push(CheckChange {
                tenant: c.tenant.clone(),
                tenant_name: c.tenant_name.clone(),
                check: c.check.clone(),
                old: before,
                new: Some(c.status),
            });
        }
    }
    for c in a.checks.iter().filter(|c| b_tenants.contains(c.tenant.as_str())) {
        if !new.contains_key(&(c.tenant.as_str(), c.check.as_str())) {
            out.push(CheckChange {
                tenant: c.tenant.clone(),
                tenant_name: c.tenant_name.clone(),
                check: c.check.clone(),
                old: Some(c.status),
                new: None,
            });
        }
    }
    out
}

/// Sort-merge join of one step's two items files; the number of object changes.
fn join_step(
    old: &Path,
    new: &Path,
    options: &DiffOptions,
    id: &StepId,
    sink: &mut dyn DiffSink,
    totals: &mut Totals,
) -> Result<u64, ReportError> {
    let rules = &options.rules;
    let mut a = SortedItems::open(old, rules, options.chunk)?.peekable();
    let mut b = SortedItems::open(new, rules, options.chunk)?.peekable();
    let mut count = 0u64;
    let mut emit = |change: ObjectChange, totals: &mut Totals| -> Result<(), ReportError> {
        match &change {
            ObjectChange::Added { .. } => totals.added += 1,
            ObjectChange::Removed { .. } => totals.removed += 1,
            ObjectChange::Changed { .. } => totals.changed += 1,
        }
        count += 1;
        sink.object(id, &change).map_err(ReportError::io(new))
    };
    loop {
        let order = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(Err(_)), _) | (_, Some(Err(_))) => {
                for side in [&mut a, &mut b] {
                    if let Some(Err(e)) = side.next_if(|r| r.is_err()) {
                        return Err(e);
                    }
                }
                continue;
            }
            (Some(Ok(x)), Some(Ok(y))) => x.key.cmp(&y.key),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                let e = next(&mut a)?;
                emit(removed(rules, parse(&e, old)?), totals)?;
            }
            std::cmp::Ordering::Greater => {
                let e = next(&mut b)?;
                emit(added(rules, parse(&e, new)?), totals)?;
            }
            std::cmp::Ordering::Equal => {
                let olds = group(&mut a)?;
                let key = olds[0].key.clone();
                let news = group_with(&mut b, &key)?;
                let mut olds = olds.into_iter();
                let mut news = news.into_iter();
                loop {
                    match (olds.next(), news.next()) {
                        (Some(o), Some(n)) => {
                            let (o, n) = (parse(&o, old)?, parse(&n, new)?);
                            let changes = rules.changes(&o, &n);
                            if !changes.is_empty() {
                                emit(ObjectChange::Changed { key: rules.key_of(&n).0, changes }, totals)?;
                            }
                        }
                        (Some(o), None) => emit(removed(rules, parse(&o, old)?), totals)?,
                        (None, Some(n)) => emit(added(rules, parse(&n, new)?), totals)?,
                        (None, None) => break,
                    }
                }
            }
        }
    }
    Ok(count)
}

type Stream = Peekable<SortedItems>;

fn next(s: &mut Stream) -> Result<Entry, ReportError> {
    s.next().unwrap_or_else(|| {
        Err(ReportError::Items { path: Default::default(), line: 0, reason: "ended".into() })
    })
}

/// The run of entries at the head of `s` sharing the head's key.
fn group(s: &mut Stream) -> Result<Vec<Entry>, ReportError> {
    let first = next(s)?;
    let key = first.key.clone();
    let mut out = vec![first];
    out.extend(group_with(s, &key)?);
    Ok(out)
}

/// The entries at the head of `s` whose key is `key`.
fn group_with(s: &mut Stream, key: &str) -> Result<Vec<Entry>, ReportError> {
    let mut out = Vec::new();
    while let Some(r) = s.next_if(|r| r.as_ref().is_ok_and(|e| e.key == key)) {
        out.push(r?);
    }
    Ok(out)
}

fn parse(e: &Entry, path: &Path) -> Result<Map<String, Value>, ReportError> {
    match serde_json::from_str::<Value>(&e.line) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(ReportError::Items {
            path: path.to_path_buf(),
            line: e.pos as usize,
            reason: "not an object".into(),
        }),
    }
}

fn added(rules: &Rules, object: Map<String, Value>) -> ObjectChange {
    ObjectChange::Added { key: rules.key_of(&object).0, object }
}

fn removed(rules: &Rules, object: Map<String, Value>) -> ObjectChange {
    ObjectChange::Removed { key: rules.key_of(&object).0, object }
}
