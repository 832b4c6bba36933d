//! Reading every source of a profile, in profile order: Graph for `gdap` and
//! `contracts` (signed in to `partner_tenant`), the file for `file`. The first source
//! that cannot be read stops discovery: nothing runs on a partial tenant list.

use super::graph::{GraphError, GraphReader};
use super::{gdap, merge, Resolution, SourceError, SourceOutcome};
use crate::auth::{BrokerOptions, TokenBroker};
use crate::environment::Environment;
use crate::profile::{Profile, SourceKind, TenantSource};
use std::collections::BTreeMap;

/// The GDAP relationships collection, active ones only.
const RELATIONSHIPS: &str =
    "v1.0/tenantRelationships/delegatedAdminRelationships?$filter=status%20eq%20'active'";
const CONTRACTS: &str = "v1.0/contracts";

/// Read every source and merge them with the profile's tenants. `environments` are
/// the profile's, with the built-in emulator bound when a source uses it.
pub async fn discover(
    profile: &Profile,
    environments: &BTreeMap<String, Environment>,
    broker: &TokenBroker,
) -> Result<Resolution, SourceError> {
    let mut outcomes = Vec::new();
    for source in &profile.tenant_sources {
        let outcome = read_source(profile, environments, broker, source).await?;
        tracing::info!(
            target: "tenantrun::discovery",
            source = %source.name,
            tenants = outcome.tenants.len(),
            excluded = outcome.excluded.len(),
            "tenant source read"
        );
        outcomes.push(outcome);
    }
    Ok(merge(profile, &outcomes))
}

/// [`discover`] on its own runtime, starting the built-in emulator (with `emulator`'s
/// configuration) when a source reads it. Without sources, the profile's tenants in id order.
pub fn discover_blocking(
    profile: &Profile,
    emulator: crate::emulator::EmulatorConfig,
) -> Result<Resolution, SourceError> {
    if profile.tenant_sources.is_empty() {
        return Ok(merge(profile, &[]));
    }
    let first = &profile.tenant_sources[0];
    let fail = |message: String| SourceError::Unreadable {
        name: first.name.clone(),
        kind: first.kind.name(),
        message,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let mut environments: BTreeMap<String, Environment> = profile
            .environments
            .iter()
            .filter(|(name, _)| profile.tenant_sources.iter().any(|s| &s.environment == *name))
            .map(|(n, e)| (n.clone(), e.clone()))
            .collect();
        let _emulator = crate::runner::emulator_env::bind_builtin_emulator_with(&mut environments, emulator)
            .await
            .map_err(fail)?;
        let broker = TokenBroker::new(BrokerOptions {
            cache_dir: BrokerOptions::default_cache_dir(),
            timeout: profile.defaults.timeout,
            ..BrokerOptions::default()
        });
        discover(profile, &environments, &broker).await
    })
}

async fn read_source(
    profile: &Profile,
    environments: &BTreeMap<String, Environment>,
    broker: &TokenBroker,
    source: &TenantSource,
) -> Result<SourceOutcome, SourceError> {
    let unreadable = |message: String| SourceError::Unreadable {
        name: source.name.clone(),
        kind: source.kind.name(),
        message,
    };
    let (identity, partner, path, permission) = match &source.kind {
        SourceKind::File { path } => return super::file::read(source, path, profile),
        SourceKind::Gdap { identity, partner_tenant, .. } => {
            (identity, partner_tenant, RELATIONSHIPS, "DelegatedAdminRelationship.Read.All")
        }
        SourceKind::Contracts { identity, partner_tenant } => {
            (identity, partner_tenant, CONTRACTS, "Directory.Read.All")
        }
    };
    let env = environments
        .get(&source.environment)
        .ok_or_else(|| unreadable(format!("environment `{}` is not known", source.environment)))?;
    let identity = profile
        .identity(identity)
        .ok_or_else(|| unreadable(format!("identity `{identity}` is not declared")))?;
    let http =
        crate::environment::http_client(env, profile.defaults.timeout, crate::environment::IDLE_PER_HOST_FEW)
            .map_err(|e| unreadable(e.to_string()))?;
    let reader = GraphReader {
        broker,
        identity,
        env,
        tenant: partner,
        http,
        policy: crate::adminapi::retry::RetryPolicy::with_retries(profile.defaults.retries),
    };
    let values =
        reader.all(path).await.map_err(|e| unreadable(explain(e, &identity.name, partner, permission)))?;
    Ok(match &source.kind {
        SourceKind::Gdap { require_roles, include_mlt, .. } => {
            gdap::customers(&values, require_roles, *include_mlt, time::OffsetDateTime::now_utc())
        }
        _ => gdap::contracts(&values),
    })
}

/// Graph's message, with what to do for the usual refusals.
fn explain(e: GraphError, identity: &str, partner: &str, permission: &str) -> String {
    let hint = match (e.status, e.code.as_deref()) {
        (Some(403), _) | (_, Some("Authorization_RequestDenied")) => Some(format!(
            "identity `{identity}` needs the Microsoft Graph permission {permission} in {partner} (an application \
             permission with admin consent, or a partner admin signed in with a delegated identity)"
        )),
        (Some(401), _) => Some(format!(
            "Graph refused the token of identity `{identity}` for {partner}: check the environment's `resource_graph` \
             and that the identity signs in to the partner tenant"
        )),
        _ => None,
    };
    match hint {
        Some(h) => format!("{} (hint: {h})", e.message),
        None => e.message,
    }
}
