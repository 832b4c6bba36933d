//! One tenant's work: a session (connection-id, anchor, tokens, region), the
//! read-only guard, preflight, auth short-circuit, the circuit breaker, then its
//! steps — each command list in order, up to `per_tenant` lists at once.

use super::breaker::CircuitBreaker;
use super::engine::Context;
use super::event::{RunEvent, StopReason};
use super::panic;
use crate::adminapi::adaptive::Gate;
use crate::adminapi::{AnchorPolicy, ApiError, ErrorKind, InvokeError, Principal, TenantSession};
use crate::output::{Counts, StepError, StepRecord, StepStatus};
use crate::planner::{PlannedStep, TenantPlan};
use crate::profile::{IdentityKind, Service, Tenant};
use futures_util::StreamExt;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the tenant's steps learn as they go.
struct TenantState {
    /// First sign-in failure per service: later steps of that service fail at once.
    auth: HashMap<Service, ApiError>,
    breaker: CircuitBreaker,
    /// Preflight: the cmdlets granted per service (lower-case); absent = unknown.
    granted: HashMap<Service, BTreeSet<String>>,
    counts: Counts,
    first_error: Option<String>,
}

fn lock(state: &Mutex<TenantState>) -> std::sync::MutexGuard<'_, TenantState> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The anchor principal of an identity kind.
pub fn principal(kind: &IdentityKind) -> Principal {
    if kind.is_app_only() {
        Principal::App
    } else if matches!(kind, IdentityKind::AccessToken { .. }) {
        Principal::FromToken
    } else {
        Principal::User(kind.user_principal_name().map(str::to_string))
    }
}

/// Build the session for `tenant`, or the reason none can be built.
pub(super) fn session(ctx: &Context, tenant: &Tenant) -> Result<TenantSession, ApiError> {
    let env = ctx.environments.get(&tenant.environment).ok_or_else(|| {
        ApiError::new(ErrorKind::Refused, format!("unknown environment `{}`", tenant.environment))
    })?;
    let client = ctx.clients.get(&tenant.environment).ok_or_else(|| {
        ApiError::new(ErrorKind::Refused, format!("no client for environment `{}`", tenant.environment))
    })?;
    let identity = ctx
        .identities
        .get(&tenant.identity)
        .ok_or_else(|| ApiError::new(ErrorKind::Auth, format!("unknown identity `{}`", tenant.identity)))?;
    let anchor = AnchorPolicy {
        principal: principal(&identity.kind),
        override_value: tenant.anchor_mailbox.clone(),
        bypass: tenant.bypass_mailbox_anchoring,
    };
    let tokens = ctx.tokens.source(identity, env, &tenant.id);
    let session = TenantSession::new(client.clone(), env.clone(), &tenant.id, anchor, tokens);
    Ok(match &ctx.window {
        Some(window) => session.with_gate(Arc::new(Gate::new(window.clone(), ctx.config.per_tenant.max(1)))),
        None => session,
    })
}

/// Sign in and discover the compliance region for every service the tenant's steps
/// use, before the tenant takes one of the `-j` slots. Tokens and the region are
/// cached, so the steps' first calls are cheap. Returns the sign-in failures per
/// service, which fail those steps without asking the token endpoint again; a region
/// lookup that failed is retried by the first step that needs it.
pub(super) async fn connect(
    session: &TenantSession,
    steps: &[Arc<PlannedStep>],
) -> HashMap<Service, ApiError> {
    let services: BTreeSet<Service> = steps.iter().map(|s| s.step.service).collect();
    match panic::catch(connect_services(session, &services)).await {
        Ok(failures) => failures,
        // Every step fails with the cause rather than meeting the same bug again.
        Err(e) => services.into_iter().map(|s| (s, e.clone())).collect(),
    }
}

async fn connect_services(
    session: &TenantSession,
    services: &BTreeSet<Service>,
) -> HashMap<Service, ApiError> {
    let mut failures = HashMap::new();
    let services = services.iter().copied();
    for service in services {
        if let Err(e) = session.check_token(service).await {
            failures.insert(service, e);
            continue;
        }
        let mut attempts = 0;
        if let Err(e) = session.base(service, &mut attempts).await {
            tracing::debug!(tenant = session.tenant(), %service, "connect: {}", e.message);
        }
    }
    failures
}

/// Run one tenant's steps on a session built by [`session`] (and usually already
/// connected by [`connect`]).
pub(super) async fn run_tenant(
    ctx: &Arc<Context>,
    plan: TenantPlan,
    session: Result<TenantSession, ApiError>,
    sign_in_failures: HashMap<Service, ApiError>,
) {
    let started = Instant::now();
    let tenant = plan.tenant.id.clone();
    let tenant_name = plan.tenant.name.clone();
    ctx.emit(RunEvent::TenantStarted { tenant: tenant.clone() });
    let state = Mutex::new(TenantState {
        auth: sign_in_failures,
        breaker: CircuitBreaker::new(ctx.config.breaker_threshold),
        granted: HashMap::new(),
        counts: Counts::default(),
        first_error: None,
    });
    if let (Ok(session), true) = (&session, ctx.config.preflight) {
        if let Err(e) = panic::catch(preflight(session, &plan.steps, &state)).await {
            tracing::warn!(tenant = session.tenant(), "preflight failed, running anyway: {}", e.message);
        }
    }

    let planned = plan.steps.len();
    // Group the steps by command list, keeping plan order.
    let mut groups: Vec<Vec<Arc<PlannedStep>>> = Vec::new();
    for step in plan.steps {
        match groups.last_mut() {
            Some(g) if g[0].command == step.command => g.push(step),
            _ => groups.push(vec![step]),
        }
    }
    let session = session.as_ref();
    futures_util::stream::iter(groups)
        .for_each_concurrent(ctx.config.per_tenant.max(1), |group| {
            let state = &state;
            let tenant = &tenant;
            let tenant_name = &tenant_name;
            async move {
                for step in group {
                    if ctx.stop.is_stopped() {
                        return;
                    }
                    let started = Instant::now();
                    let mut record = match panic::catch(run_step(ctx, tenant, session, &step, state)).await {
                        Ok(record) => record,
                        Err(error) => failed_record(tenant, &step, started, error),
                    };
                    record.tenant_name.clone_from(tenant_name);
                    {
                        let mut s = lock(state);
                        match record.status {
                            StepStatus::Ok => s.counts.ok += 1,
                            StepStatus::Failed => s.counts.failed += 1,
                            StepStatus::Skipped => s.counts.skipped += 1,
                        }
                        if let (None, Some(e)) = (&s.first_error, &record.error) {
                            if record.status == StepStatus::Failed {
                                s.first_error = Some(format!("{}: {}", record.cmdlet, e.message));
                            }
                        }
                    }
                    let failed = record.status == StepStatus::Failed;
                    ctx.emit(RunEvent::StepFinished(record));
                    if failed && ctx.config.fail_fast && ctx.stop.stop(StopReason::FailFast) {
                        ctx.emit(RunEvent::Stopping(StopReason::FailFast));
                    }
                }
            }
        })
        .await;
    let mut s = lock(&state);
    // Steps left out because the run is stopping (Ctrl-C, --fail-fast).
    let ran = s.counts.ok + s.counts.failed + s.counts.skipped;
    s.counts.not_run = (planned as u64).saturating_sub(ran);
    ctx.emit(RunEvent::TenantFinished {
        tenant,
        counts: s.counts,
        duration: started.elapsed(),
        first_error: s.first_error.clone(),
    });
}

/// Ask `EXOModuleFile` once per service; remember what is granted, or the sign-in failure.
async fn preflight(session: &TenantSession, steps: &[Arc<PlannedStep>], state: &Mutex<TenantState>) {
    let services: BTreeSet<Service> = steps.iter().map(|s| s.step.service).collect();
    for service in services {
        match session.exported_cmdlets(service).await {
            Ok(granted) => {
                lock(state).granted.insert(service, granted);
            }
            Err(e) if e.kind == ErrorKind::Auth => {
                lock(state).auth.insert(service, e);
            }
            Err(e) => {
                tracing::warn!(tenant = session.tenant(), %service, "preflight failed, running anyway: {}", e.message)
            }
        }
    }
}

/// The line of a step that failed with `error` before it could make its own.
fn failed_record(tenant: &str, planned: &PlannedStep, started: Instant, error: ApiError) -> StepRecord {
    StepRecord {
        tenant: tenant.to_string(),
        tenant_name: None,
        command: planned.command.clone(),
        step: planned.index,
        cmdlet: planned.step.cmdlet.clone(),
        service: planned.step.service,
        status: StepStatus::Failed,
        attempts: 0,
        duration_ms: started.elapsed().as_millis() as u64,
        item_count: None,
        items: None,
        warnings: Vec::new(),
        error: Some(StepError::from(error)),
    }
}

async fn run_step(
    ctx: &Context,
    tenant: &str,
    session: Result<&TenantSession, &ApiError>,
    planned: &PlannedStep,
    state: &Mutex<TenantState>,
) -> StepRecord {
    let started = Instant::now();
    let step = &planned.step;
    let record = |status: StepStatus, attempts: u32, error: Option<ApiError>| StepRecord {
        status,
        attempts,
        error: error.map(StepError::from),
        ..failed_record(tenant, planned, started, ApiError::new(ErrorKind::Http, String::new()))
    };
    if planned.refused(ctx.config.read_only, ctx.config.allow_write) {
        let msg = format!(
            "not sent: `{}` changes state and the profile is read_only (hint: pass --allow-write to run it)",
            step.cmdlet
        );
        return record(StepStatus::Failed, 0, Some(ApiError::new(ErrorKind::Refused, msg)));
    }
    let session = match session {
        Ok(s) => s,
        Err(e) => return record(StepStatus::Failed, 0, Some(e.clone())),
    };
    {
        let s = lock(state);
        if let Some(granted) = s.granted.get(&step.service) {
            if !granted.contains(&step.cmdlet.to_ascii_lowercase()) {
                let msg = format!(
                    "not sent: `{}` is not among the cmdlets this identity is granted in {tenant} (EXOModuleFile)",
                    step.cmdlet
                );
                return record(StepStatus::Skipped, 0, Some(ApiError::new(ErrorKind::Refused, msg)));
            }
        }
        if let Some(e) = s.auth.get(&step.service) {
            return record(StepStatus::Failed, 0, Some(e.clone()));
        }
        if let Some(e) = s.breaker.check() {
            return record(StepStatus::Failed, 0, Some(e));
        }
    }
    if let Err(e) = session.check_token(step.service).await {
        lock(state).auth.insert(step.service, e.clone());
        return record(StepStatus::Failed, 0, Some(e));
    }
    ctx.emit(RunEvent::StepStarted {
        tenant: tenant.to_string(),
        command: planned.command.clone(),
        step: planned.index,
        cmdlet: step.cmdlet.clone(),
    });
    let mut writer = match ctx.items.open(&planned.command, tenant, planned.index) {
        Ok(w) => w,
        Err(e) => {
            let msg = format!("cannot create the items file: {e}");
            return record(StepStatus::Failed, 0, Some(ApiError::new(ErrorKind::Http, msg)));
        }
    };
    match session.invoke(step, &mut writer, ctx.config.step_limits).await {
        Ok(outcome) => match writer.commit() {
            Ok(path) => {
                lock(state).breaker.record_success();
                StepRecord {
                    item_count: Some(outcome.item_count),
                    items: Some(path),
                    warnings: outcome.warnings,
                    ..record(StepStatus::Ok, outcome.attempts, None)
                }
            }
            Err(e) => {
                let msg = format!("cannot write the items file: {e}");
                record(StepStatus::Failed, outcome.attempts, Some(ApiError::new(ErrorKind::Http, msg)))
            }
        },
        Err(InvokeError::Api { error, attempts, warnings }) => {
            // A 401 that survived a renewal fails this step only: the tenant's
            // short-circuit is for sign-in failures (see `check_token` above).
            lock(state).breaker.record_failure(&error);
            StepRecord { warnings, ..record(StepStatus::Failed, attempts, Some(error)) }
        }
        Err(InvokeError::Sink(e)) => {
            let msg = format!("cannot write the items file: {e}");
            record(StepStatus::Failed, 0, Some(ApiError::new(ErrorKind::Http, msg)))
        }
    }
}
