//! The engine: tenants in parallel up to `-j`, the steps of one tenant in order,
//! a per-tenant in-flight cap, one pooled HTTP client per environment. It emits
//! [`RunEvent`]s on a channel and returns when every started tenant has finished.

use super::event::{RunEvent, StopReason};
use super::stop::StopSignal;
use super::tenant::{connect, run_tenant, session};
use crate::adminapi::adaptive::AdaptiveLimit;
use crate::adminapi::{AdminClient, ApiStats, RetryPolicy, StepLimits, TokenSource};
use crate::environment::{http_client, Environment, HttpClientError};
use crate::output::ItemsDir;
use crate::planner::Plan;
use crate::profile::{Concurrency, Identity, Profile};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// With `-j auto`: tenants in flight at most, and the ceiling of the run's request window.
pub const AUTO_CEILING: usize = 256;

/// The most tenants connecting ahead by default (`--connect-ahead` unset): as many as
/// `-j` up to this. Past it, more sign-ins in flight add connections (hyper keeps
/// ~16 KiB of state per connection) and token-endpoint load without making a run
/// faster: at `-j 256`, 128 ahead measured the same fan-out as 256 and ~12 % less peak
/// memory (docs/benchmarks.md, "Connect ahead").
pub const CONNECT_AHEAD_CAP: usize = 128;

/// Tenants connecting ahead when `--connect-ahead` is not given: as many as run
/// (`concurrency`), at most [`CONNECT_AHEAD_CAP`].
pub fn default_connect_ahead(concurrency: usize) -> usize {
    concurrency.min(CONNECT_AHEAD_CAP)
}

/// Where the run's request window starts with `-j auto`: half of where a fixed `-j` starts
/// when the profile names none (slow start grows it by half per round trip from there).
/// From 4 a run spent its first half second below the service's rate; from 32 a service
/// taking 4 at a time answered a sixth of the calls with 429 (docs/benchmarks.md, "-j auto").
const AUTO_START: usize = crate::profile::DEFAULT_CONCURRENCY / 2;

/// Run settings resolved from the profile and the command line.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Tenants in flight at once (with `adaptive`: the ceiling of the run's window).
    pub concurrency: usize,
    /// `-j auto`: AIMD windows of requests in flight, per tenant and for the run.
    pub adaptive: bool,
    /// Command lists of one tenant in flight at once (steps of a list always run in order).
    pub per_tenant: usize,
    /// Tenants that may sign in and discover their region while `concurrency` others run.
    pub connect_ahead: usize,
    pub read_only: bool,
    pub allow_write: bool,
    pub fail_fast: bool,
    pub preflight: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Per-step bounds: deadline (`defaults.step_timeout`) and pages.
    pub step_limits: StepLimits,
    pub retry: RetryPolicy,
    /// Consecutive service/network failures that cut a tenant off (0 = never).
    pub breaker_threshold: u32,
}

impl RunConfig {
    /// Defaults from the profile.
    pub fn from_profile(profile: &Profile) -> Self {
        let mut config = RunConfig {
            concurrency: 1,
            adaptive: false,
            per_tenant: 1,
            connect_ahead: 1,
            read_only: profile.defaults.read_only,
            allow_write: false,
            fail_fast: false,
            preflight: false,
            timeout: profile.defaults.timeout,
            step_limits: StepLimits { timeout: profile.defaults.step_timeout, ..StepLimits::default() },
            retry: RetryPolicy::with_retries(profile.defaults.retries),
            breaker_threshold: 3,
        };
        config.set_concurrency(profile.defaults.concurrency);
        config.connect_ahead = default_connect_ahead(config.concurrency);
        config
    }

    /// Apply `-j N` or `-j auto` (`connect_ahead` is left alone).
    pub fn set_concurrency(&mut self, concurrency: Concurrency) {
        (self.concurrency, self.adaptive) = match concurrency {
            Concurrency::Fixed(n) => (n.max(1), false),
            Concurrency::Auto => (AUTO_CEILING, true),
        };
    }
}

/// Hands out token sources for (identity, environment, tenant); the CLI backs it
/// with [`crate::auth::TokenBroker`].
pub trait TokenProvider: Send + Sync {
    fn source(&self, identity: &Identity, env: &Arc<Environment>, tenant: &str) -> Arc<dyn TokenSource>;
    /// (token requests sent, cache hits) so far.
    fn stats(&self) -> (u64, u64);
    /// `tenant` has finished: its access tokens will not be asked for again in this run.
    fn release(&self, _identity: &Identity, _tenant: &str) {}
}

/// Why the engine could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Http(#[from] HttpClientError),
}

/// Shared state of a run, handed to every tenant task.
pub(super) struct Context {
    pub config: RunConfig,
    pub environments: BTreeMap<String, Arc<Environment>>,
    pub clients: BTreeMap<String, Arc<AdminClient>>,
    pub identities: BTreeMap<String, Identity>,
    pub tokens: Arc<dyn TokenProvider>,
    pub items: ItemsDir,
    pub stop: StopSignal,
    pub events: UnboundedSender<RunEvent>,
    /// `-j auto`: the run's request window (each tenant gets its own under it).
    pub window: Option<Arc<AdaptiveLimit>>,
}

impl Context {
    pub fn emit(&self, event: RunEvent) {
        // The receiver lives as long as the run; a closed channel only means nobody listens.
        let _ = self.events.send(event);
    }
}

/// A configured engine.
pub struct Engine {
    ctx: Arc<Context>,
    stats: Arc<ApiStats>,
}

impl Engine {
    /// `environments` are the profile's, already bound (the emulator's URLs filled in).
    pub fn new(
        config: RunConfig,
        environments: BTreeMap<String, Environment>,
        identities: BTreeMap<String, Identity>,
        tokens: Arc<dyn TokenProvider>,
        items: ItemsDir,
        stop: StopSignal,
        events: UnboundedSender<RunEvent>,
    ) -> Result<Engine, EngineError> {
        let stats = Arc::new(ApiStats::default());
        let mut clients = BTreeMap::new();
        let mut envs = BTreeMap::new();
        for (name, env) in environments {
            let http = http_client(&env, config.timeout, crate::environment::IDLE_PER_HOST_MANY)?;
            let client = AdminClient::new(http, config.retry.clone(), config.timeout, stats.clone());
            clients.insert(name.clone(), Arc::new(client));
            envs.insert(name, Arc::new(env));
        }
        let window =
            config.adaptive.then(|| Arc::new(AdaptiveLimit::new(AUTO_START, 1, config.concurrency.max(1))));
        let ctx =
            Context { config, environments: envs, clients, identities, tokens, items, stop, events, window };
        Ok(Engine { ctx: Arc::new(ctx), stats })
    }

    pub fn stats(&self) -> &Arc<ApiStats> {
        &self.stats
    }

    pub fn token_stats(&self) -> (u64, u64) {
        self.ctx.tokens.stats()
    }

    pub fn stop_signal(&self) -> &StopSignal {
        &self.ctx.stop
    }

    /// Run `plan`; returns why it stopped early, if it did.
    pub async fn run(&self, plan: Plan) -> Option<StopReason> {
        let ctx = &self.ctx;
        ctx.emit(RunEvent::Started { tenants: plan.tenants.len(), steps: plan.step_count() });
        // Two stages: up to `concurrency` tenants run cmdlets (`slots`), and up to
        // `connect_ahead` more sign in and discover their region ahead of them (`window`
        // bounds both), so a tenant's connection latency overlaps other tenants' steps.
        let running = ctx.config.concurrency.max(1);
        let slots = Arc::new(tokio::sync::Semaphore::new(running));
        let window = Arc::new(tokio::sync::Semaphore::new(running.saturating_add(ctx.config.connect_ahead)));
        let mut tasks = tokio::task::JoinSet::new();
        for tenant in plan.tenants {
            let Ok(admitted) = window.clone().acquire_owned().await else { break };
            if ctx.stop.is_stopped() {
                break;
            }
            let ctx = ctx.clone();
            let slots = slots.clone();
            tasks.spawn(async move {
                let session = session(&ctx, &tenant.tenant);
                let sign_in_failures = match &session {
                    Ok(s) => connect(s, &tenant.steps).await,
                    Err(_) => Default::default(),
                };
                let Ok(slot) = slots.acquire_owned().await else { return };
                let (tenant_id, identity) = (tenant.tenant.id.clone(), tenant.tenant.identity.clone());
                if !ctx.stop.is_stopped() {
                    run_tenant(&ctx, tenant, session, sign_in_failures).await;
                }
                if let Some(identity) = ctx.identities.get(&identity) {
                    ctx.tokens.release(identity, &tenant_id);
                }
                drop(slot);
                drop(admitted);
            });
            // Reap finished tasks as we go so the set stays small on huge runs.
            while let Some(done) = tasks.try_join_next() {
                log_panic(done);
            }
        }
        while let Some(done) = tasks.join_next().await {
            log_panic(done);
        }
        ctx.stop.reason()
    }

    /// `EXOModuleFile` for each tenant of `plan`: the steps whose cmdlet the tenant
    /// does not grant (for `plan --check`).
    pub async fn check(&self, plan: &Plan) -> Vec<super::preflight::TenantCheck> {
        super::preflight::check_plan(&self.ctx, plan).await
    }
}

fn log_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        tracing::error!("a tenant task failed: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_connect_ahead_as_many_as_run_up_to_the_cap() {
        for (j, ahead) in [(1, 1), (64, 64), (128, 128), (256, CONNECT_AHEAD_CAP), (1000, CONNECT_AHEAD_CAP)]
        {
            assert_eq!(default_connect_ahead(j), ahead, "-j {j}");
        }
        assert_eq!(default_connect_ahead(AUTO_CEILING), CONNECT_AHEAD_CAP, "-j auto");
    }
}
