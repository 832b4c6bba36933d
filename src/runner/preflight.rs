//! Preflight for `plan --check`: ask each tenant's `EXOModuleFile` which cmdlets its
//! role grants and list the planned steps it would skip. (`run --preflight` does the
//! same inside each tenant task, see [`super::tenant`].)

use super::engine::Context;
use super::tenant::session;
use crate::planner::Plan;
use crate::profile::Service;
use futures_util::StreamExt;
use std::collections::BTreeSet;

/// One tenant's preflight answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TenantCheck {
    pub tenant: String,
    /// Steps whose cmdlet is not granted: (command list, step index, cmdlet).
    pub missing: Vec<(String, usize, String)>,
    /// Why the check could not be made, if it could not.
    pub error: Option<String>,
}

pub(super) async fn check_plan(ctx: &Context, plan: &Plan) -> Vec<TenantCheck> {
    futures_util::stream::iter(plan.tenants.iter())
        .map(|tp| async move {
            let mut check = TenantCheck { tenant: tp.tenant.id.clone(), missing: Vec::new(), error: None };
            let session = match session(ctx, &tp.tenant) {
                Ok(s) => s,
                Err(e) => {
                    check.error = Some(e.message);
                    return check;
                }
            };
            let services: BTreeSet<Service> = tp.steps.iter().map(|s| s.step.service).collect();
            for service in services {
                match session.exported_cmdlets(service).await {
                    Ok(granted) => check.missing.extend(
                        tp.steps
                            .iter()
                            .filter(|s| {
                                s.step.service == service
                                    && !granted.contains(&s.step.cmdlet.to_ascii_lowercase())
                            })
                            .map(|s| (s.command.clone(), s.index, s.step.cmdlet.clone())),
                    ),
                    Err(e) => {
                        check.error = Some(e.message);
                        break;
                    }
                }
            }
            check
        })
        .buffered(ctx.config.concurrency.max(1))
        .collect()
        .await
}
