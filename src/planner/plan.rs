//! The plan: for each selected tenant (in profile order), the steps of each selected
//! command list (in profile order, steps in list order).

use super::is_write_cmdlet;
use super::selection::Selection;
use crate::profile::{Profile, Step, Tenant};
use std::sync::Arc;

/// Why a plan cannot be built (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("unknown command list `{name}` (known: {known})")]
    UnknownCommandList { name: String, known: String },
    #[error("the profile defines no command lists")]
    NoCommandLists,
}

/// What one tenant will run. Its steps are shared with every other tenant of the plan
/// (one allocation per step of the profile, not per tenant and step).
#[derive(Debug, Clone, PartialEq)]
pub struct TenantPlan {
    pub tenant: Tenant,
    pub steps: Vec<Arc<PlannedStep>>,
}

/// One step of one command list for one tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStep {
    /// The command list's name.
    pub command: String,
    /// The step's index within its list (0-based, as in results.jsonl).
    pub index: usize,
    pub step: Step,
    /// Whether the cmdlet's verb changes state.
    pub writes: bool,
}

impl PlannedStep {
    /// Whether the read-only guard refuses this step.
    pub fn refused(&self, read_only: bool, allow_write: bool) -> bool {
        self.writes && read_only && !allow_write
    }
}

#[cfg(test)]
impl TenantPlan {
    /// A tenant `id` with `steps` steps `c[0..steps]` of `Get-X` (unit tests).
    pub(crate) fn sample(id: &str, steps: usize) -> TenantPlan {
        use crate::profile::Service;
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
                .map(|index| {
                    Arc::new(PlannedStep {
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
                })
                .collect(),
        }
    }
}

/// The tenant x step matrix.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub tenants: Vec<TenantPlan>,
}

impl Plan {
    /// Number of (tenant, step) cells.
    pub fn step_count(&self) -> usize {
        self.tenants.iter().map(|t| t.steps.len()).sum()
    }
}

/// Build the plan for `selection` over `profile`.
pub fn plan(profile: &Profile, selection: &Selection) -> Result<Plan, PlanError> {
    plan_tenants(
        profile,
        profile.tenants.iter().filter(|t| selection.selects_in_shard(t)).cloned(),
        selection,
    )
}

/// [`plan`] for a caller that hands over the profile's tenants (`run`, which reads
/// them no more): each selected tenant moves into the plan instead of being copied,
/// so a run of 100,000 tenants never holds two lists of them.
pub fn plan_taking(profile: &mut Profile, selection: &Selection) -> Result<Plan, PlanError> {
    let tenants = std::mem::take(&mut profile.tenants);
    plan_tenants(profile, tenants.into_iter().filter(|t| selection.selects_in_shard(t)), selection)
}

/// The plan of `tenants` (already selected) with the profile's selected command lists.
fn plan_tenants(
    profile: &Profile,
    tenants: impl Iterator<Item = Tenant>,
    selection: &Selection,
) -> Result<Plan, PlanError> {
    if profile.commands.is_empty() {
        return Err(PlanError::NoCommandLists);
    }
    for name in &selection.commands {
        if profile.command_list(name).is_none() {
            let known = profile.commands.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
            return Err(PlanError::UnknownCommandList { name: name.clone(), known });
        }
    }
    let steps: Vec<Arc<PlannedStep>> = profile
        .commands
        .iter()
        .filter(|c| selection.commands.is_empty() || selection.commands.contains(&c.name))
        .flat_map(|list| {
            list.steps.iter().enumerate().map(|(index, step)| {
                Arc::new(PlannedStep {
                    command: list.name.clone(),
                    index,
                    step: step.clone(),
                    writes: is_write_cmdlet(&step.cmdlet),
                })
            })
        })
        .collect();
    let tenants = tenants.map(|tenant| TenantPlan { tenant, steps: steps.clone() }).collect();
    Ok(Plan { tenants })
}
