//! The export groups of a run's journal, streamed: a fold over the effective records that
//! keeps, per (command list, step), each `ok` step's tenant and the offset of its journal
//! line, and per tenant the offset of the last line naming it, then hands out one group
//! at a time with its items paths and names read back from the journal. The rows come out
//! as [`super::export_groups::RecordGroups`] orders them: groups by (command list, step),
//! tenants sorted within each (a step's effective line is one per tenant).

use super::export_groups::{Groups, Part};
use super::journal_at::JournalAt;
use super::record::{StepRecord, StepStatus, TenantOf};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// A group's steps: (tenant, offset of the step's line).
type Steps = Vec<(u32, u64)>;

/// A tenant seen by the fold: its id and the offset of the last line giving its name.
struct Tenant {
    id: Rc<str>,
    named_at: Option<u64>,
}

/// The fold; [`ExportIndex::groups`] turns it into the exports' [`Groups`].
#[derive(Default)]
pub struct ExportIndex {
    ids: HashMap<Rc<str>, u32>,
    tenants: Vec<Tenant>,
    /// command list → step → (tenant, offset of the step's line).
    groups: BTreeMap<String, BTreeMap<usize, Steps>>,
}

/// A line's items path alone.
#[derive(Deserialize)]
struct ItemsOf {
    items: Option<String>,
}

impl ExportIndex {
    /// Note the effective record `r`, whose line starts at `offset`.
    pub fn add(&mut self, offset: u64, r: &StepRecord) {
        let has_items = r.status == StepStatus::Ok && r.items.is_some();
        if r.tenant_name.is_none() && !has_items {
            return;
        }
        let t = self.intern(&r.tenant);
        if r.tenant_name.is_some() {
            self.tenants[t as usize].named_at = Some(offset);
        }
        if has_items {
            let steps = match self.groups.get_mut(r.command.as_str()) {
                Some(steps) => steps,
                None => self.groups.entry(r.command.clone()).or_default(),
            };
            steps.entry(r.step).or_default().push((t, offset));
        }
    }

    fn intern(&mut self, tenant: &str) -> u32 {
        if let Some(&t) = self.ids.get(tenant) {
            return t;
        }
        let id: Rc<str> = Rc::from(tenant);
        let t = self.tenants.len() as u32;
        self.ids.insert(id.clone(), t);
        self.tenants.push(Tenant { id, named_at: None });
        t
    }

    /// The groups noted, in (command list, step) order.
    pub fn finish(self) -> ExportPlan {
        let groups = self
            .groups
            .into_iter()
            .flat_map(|(command, steps)| steps.into_iter().map(move |(step, v)| ((command.clone(), step), v)))
            .collect();
        ExportPlan { tenants: self.tenants, groups }
    }
}

/// What each export writes, by offsets into the journal.
pub struct ExportPlan {
    tenants: Vec<Tenant>,
    groups: Vec<((String, usize), Steps)>,
}

impl ExportPlan {
    /// The [`Groups`] of one export, read back through `journal` (the journal the offsets are of).
    pub fn groups(&self, journal: JournalAt) -> StreamedGroups<'_> {
        StreamedGroups { plan: self, journal }
    }
}

/// [`Groups`] of a streamed journal.
pub struct StreamedGroups<'a> {
    plan: &'a ExportPlan,
    journal: JournalAt,
}

impl Groups for StreamedGroups<'_> {
    fn count(&self) -> usize {
        self.plan.groups.len()
    }

    fn group(&mut self, i: usize) -> std::io::Result<((String, usize), Vec<Part>)> {
        let Some((key, steps)) = self.plan.groups.get(i) else { return Ok(Default::default()) };
        let tenants = &self.plan.tenants;
        let mut steps = steps.clone();
        steps.sort_by(|a, b| tenants[a.0 as usize].id.cmp(&tenants[b.0 as usize].id));
        let mut parts = Vec::with_capacity(steps.len());
        for (t, offset) in steps {
            let tenant = &tenants[t as usize];
            let items = self.journal.read::<ItemsOf>(offset).map_err(std::io::Error::other)?.items;
            let name = match tenant.named_at {
                Some(at) => self.journal.read::<TenantOf>(at).map_err(std::io::Error::other)?.tenant_name,
                None => None,
            };
            parts.push(Part { tenant: tenant.id.to_string(), name, items: items.unwrap_or_default() });
        }
        Ok((key.clone(), parts))
    }
}
