//! What an export is made of (`--format csv|json|jsonl`): per (command list, step), the
//! items files of its `ok` steps, one [`Part`] per tenant in tenant order. From records in
//! memory here ([`RecordGroups`]), or streamed from the journal ([`super::export_index`]).

use super::record::{StepRecord, StepStatus};
use std::collections::BTreeMap;

/// One tenant's items file in an export group.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub tenant: String,
    /// The tenant's name (which customer a row belongs to), when the records give one.
    pub name: Option<String>,
    /// The items file, relative to the run directory.
    pub items: String,
}

/// What an export is made of: the groups of (command list, step) in that order, each
/// with its tenants' items files sorted by tenant, handed out one group at a time (the
/// streamed end of a run reads each group's paths back from the journal only then).
pub trait Groups {
    /// How many groups there are.
    fn count(&self) -> usize;
    /// Group `i` (each is asked for once, in order).
    fn group(&mut self, i: usize) -> std::io::Result<((String, usize), Vec<Part>)>;
}

/// The groups of records held in memory (`merge`, and the tests).
pub(super) struct RecordGroups(Vec<((String, usize), Vec<Part>)>);

impl RecordGroups {
    /// The items files of `ok` steps grouped by (command, step), each group sorted by
    /// tenant; a tenant's name is the last one its records give.
    pub(super) fn new(records: &[StepRecord]) -> Self {
        let names: BTreeMap<&str, &str> =
            records.iter().filter_map(|r| r.tenant_name.as_deref().map(|n| (r.tenant.as_str(), n))).collect();
        let mut out: BTreeMap<(String, usize), Vec<(String, String)>> = BTreeMap::new();
        for r in records.iter().filter(|r| r.status == StepStatus::Ok) {
            if let Some(items) = &r.items {
                out.entry((r.command.clone(), r.step)).or_default().push((r.tenant.clone(), items.clone()));
            }
        }
        let groups = out
            .into_iter()
            .map(|(key, mut files)| {
                files.sort();
                let parts = files
                    .into_iter()
                    .map(|(tenant, items)| Part {
                        name: names.get(tenant.as_str()).map(|n| n.to_string()),
                        tenant,
                        items,
                    })
                    .collect();
                (key, parts)
            })
            .collect();
        RecordGroups(groups)
    }
}

impl Groups for RecordGroups {
    fn count(&self) -> usize {
        self.0.len()
    }

    fn group(&mut self, i: usize) -> std::io::Result<((String, usize), Vec<Part>)> {
        let empty = ((String::new(), 0), Vec::new());
        Ok(self.0.get_mut(i).map(|g| std::mem::replace(g, empty)).unwrap_or_default())
    }
}
