//! `tenantrun plan --format json`: the plan as one JSON document, serialized
//! straight from the plan (borrowed, streamed) so 10,000 tenants stay cheap.

use super::plan::{selection_text, unavailable, Checks};
use crate::planner::{Plan, Selection};
use crate::profile::Profile;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct JsonPlan<'a> {
    profile_digest: &'a str,
    selection: JsonSelection<'a>,
    read_only: bool,
    allow_write: bool,
    counts: Counts,
    tenants: Vec<JsonTenant<'a>>,
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
    steps: Vec<JsonStep<'a>>,
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

/// Write the plan as pretty JSON followed by a newline.
pub fn write(
    out: &mut impl Write,
    profile: &Profile,
    plan: &Plan,
    selection: &Selection,
    (read_only, allow_write, checks): (bool, bool, Option<&Checks>),
) -> std::io::Result<()> {
    let mut counts = Counts {
        tenants: plan.tenants.len(),
        tenants_in_profile: profile.tenants.len(),
        steps: plan.step_count(),
        refused: 0,
        unavailable: 0,
        not_granted: checks.map(|_| 0),
    };
    let tenants = plan
        .tenants
        .iter()
        .map(|t| JsonTenant {
            tenant: &t.tenant.id,
            name: t.tenant.name.as_deref(),
            tags: &t.tenant.tags,
            environment: &t.tenant.environment,
            identity: &t.tenant.identity,
            check_error: checks
                .and_then(|c| c.granted(&t.tenant.id, "", usize::MAX).err().map(str::to_string)),
            steps: t
                .steps
                .iter()
                .map(|s| {
                    let refused = s.refused(read_only, allow_write);
                    let why = unavailable(profile, &t.tenant.environment, s.step.service);
                    counts.refused += usize::from(refused);
                    counts.unavailable += usize::from(why.is_some());
                    let granted = checks.map(|c| c.granted(&t.tenant.id, &s.command, s.index).ok());
                    if let (Some(n), Some(Some(false))) = (counts.not_granted.as_mut(), granted) {
                        *n += 1;
                    }
                    JsonStep {
                        command: &s.command,
                        step: s.index,
                        cmdlet: &s.step.cmdlet,
                        service: s.step.service.as_str(),
                        parameters: &s.step.parameters,
                        select: &s.step.select,
                        access: if s.writes { "write" } else { "read" },
                        refused,
                        unavailable: why,
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
                })
                .collect(),
        })
        .collect();
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
        tenants,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}
