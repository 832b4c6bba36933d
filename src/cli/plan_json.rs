//! `tenantrun plan --format json`: the plan as one JSON document, serialized
//! straight from the plan (borrowed, each tenant made as it is written) so 100,000
//! tenants stay cheap.

use super::plan::{selection_text, unavailable, Checks};
use crate::planner::{Plan, Selection};
use crate::planner::{PlannedStep, TenantPlan};
use crate::profile::Profile;
use serde::{Serialize, Serializer};
use std::io::Write;

#[derive(Serialize)]
struct JsonPlan<'a> {
    profile_digest: &'a str,
    selection: JsonSelection<'a>,
    read_only: bool,
    allow_write: bool,
    counts: Counts,
    tenants: Tenants<'a>,
}

#[derive(Serialize)]
struct JsonSelection<'a> {
    tenants: Vec<String>,
    commands: &'a [String],
    shard: Option<String>,
}

#[derive(Serialize)]
struct Counts {
    tenants: usize,
    tenants_in_profile: usize,
    steps: usize,
    refused: usize,
    unavailable: usize,
    /// With `--check`: steps whose cmdlet the tenant does not grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_granted: Option<usize>,
}

#[derive(Serialize)]
struct JsonTenant<'a> {
    tenant: &'a str,
    name: Option<&'a str>,
    tags: &'a [String],
    environment: &'a str,
    identity: &'a str,
    /// With `--check`: why the tenant could not be checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    check_error: Option<String>,
    steps: Steps<'a>,
}

#[derive(Serialize)]
struct JsonStep<'a> {
    command: &'a str,
    step: usize,
    cmdlet: &'a str,
    service: &'static str,
    parameters: &'a serde_json::Map<String, serde_json::Value>,
    select: &'a [String],
    access: &'static str,
    refused: bool,
    unavailable: Option<String>,
    /// With `--check`: whether the tenant grants the cmdlet (`null`: not checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    granted: Option<Option<bool>>,
    /// The step's expectations (SPEC §7), in profile order.
    checks: Vec<JsonCheck<'a>>,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    id: &'a str,
    title: Option<&'a str>,
    severity: &'static str,
    quantifier: &'static str,
    #[serde(rename = "where")]
    filtered: bool,
    source: Option<&'a str>,
}

/// What each step is marked with, besides the plan itself.
#[derive(Clone, Copy)]
struct Marks<'a> {
    profile: &'a Profile,
    read_only: bool,
    allow_write: bool,
    checks: Option<&'a Checks>,
}

impl<'a> Marks<'a> {
    fn tenant(self, t: &'a TenantPlan) -> JsonTenant<'a> {
        JsonTenant {
            tenant: &t.tenant.id,
            name: t.tenant.name.as_deref(),
            tags: &t.tenant.tags,
            environment: &t.tenant.environment,
            identity: &t.tenant.identity,
            check_error: self
                .checks
                .and_then(|c| c.granted(&t.tenant.id, "", usize::MAX).err().map(str::to_string)),
            steps: Steps { tenant: t, marks: self },
        }
    }

    fn step(self, t: &'a TenantPlan, s: &'a PlannedStep) -> JsonStep<'a> {
        let StepFlags { refused, unavailable, granted } = self.flags(t, s);
        JsonStep {
            command: &s.command,
            step: s.index,
            cmdlet: &s.step.cmdlet,
            service: s.step.service.as_str(),
            parameters: &s.step.parameters,
            select: &s.step.select,
            access: if s.writes { "write" } else { "read" },
            refused,
            unavailable,
            granted,
            checks: s
                .step
                .expect
                .iter()
                .map(|e| JsonCheck {
                    id: &e.id,
                    title: e.title.as_deref(),
                    severity: e.severity.as_str(),
                    quantifier: e.quantifier.keyword(),
                    filtered: e.filter.is_some(),
                    source: e.source.as_deref(),
                })
                .collect(),
        }
    }

    /// What a step is marked with: the counts and each step's entry both read these.
    fn flags(self, t: &TenantPlan, s: &PlannedStep) -> StepFlags {
        StepFlags {
            refused: s.refused(self.read_only, self.allow_write),
            unavailable: unavailable(self.profile, &t.tenant.environment, s.step.service),
            granted: self.checks.map(|c| c.granted(&t.tenant.id, &s.command, s.index).ok()),
        }
    }
}

/// A step's marks: refused by `read_only`, why its environment cannot run it, and
/// with `--check` whether the tenant grants its cmdlet (`None` inside: not checked).
struct StepFlags {
    refused: bool,
    unavailable: Option<String>,
    granted: Option<Option<bool>>,
}

/// The plan's tenants, each made as it is written.
struct Tenants<'a> {
    plan: &'a Plan,
    marks: Marks<'a>,
}

impl Serialize for Tenants<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.plan.tenants.iter().map(|t| self.marks.tenant(t)))
    }
}

/// One tenant's steps, each made as it is written.
struct Steps<'a> {
    tenant: &'a TenantPlan,
    marks: Marks<'a>,
}

impl Serialize for Steps<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.tenant.steps.iter().map(|s| self.marks.step(self.tenant, s)))
    }
}

/// Write the plan as pretty JSON followed by a newline (`in_profile`: the profile's
/// tenant count, read before the plan took the tenants over).
pub fn write(
    out: &mut impl Write,
    profile: &Profile,
    (plan, in_profile): (&Plan, usize),
    selection: &Selection,
    (read_only, allow_write, checks): (bool, bool, Option<&Checks>),
) -> std::io::Result<()> {
    let marks = Marks { profile, read_only, allow_write, checks };
    // The counts come first in the document: one pass for them, one to write.
    let mut counts = Counts {
        tenants: plan.tenants.len(),
        tenants_in_profile: in_profile,
        steps: plan.step_count(),
        refused: 0,
        unavailable: 0,
        not_granted: checks.map(|_| 0),
    };
    for t in &plan.tenants {
        for s in t.steps.iter() {
            let flags = marks.flags(t, s);
            counts.refused += usize::from(flags.refused);
            counts.unavailable += usize::from(flags.unavailable.is_some());
            if let (Some(n), Some(Some(false))) = (counts.not_granted.as_mut(), flags.granted) {
                *n += 1;
            }
        }
    }
    let doc = JsonPlan {
        profile_digest: &profile.digest,
        selection: JsonSelection {
            tenants: selection_text(selection),
            commands: &selection.commands,
            shard: selection.shard.map(|s| s.to_string()),
        },
        read_only,
        allow_write,
        counts,
        tenants: Tenants { plan, marks },
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}
