//! Selection (`-t`, `-c`), sharding (`--shard I/N`), the tenant x step plan and the
//! order its tenants start in.
//!
//! Everything here is pure: it takes a loaded [`crate::profile::Profile`] and the
//! user's selection and returns what would run, without contacting anything.

mod order;
mod plan;
mod selection;
mod shard;
mod write_verbs;

pub use order::{largest_first, RecordedDurations};
pub use plan::{plan, plan_taking, Plan, PlanError, PlannedStep, TenantPlan};
pub use selection::{Selection, SelectionError, TenantSelector};
pub use shard::Shard;
pub use write_verbs::{is_write_cmdlet, READ_VERBS};
