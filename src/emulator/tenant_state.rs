//! Per-tenant runtime state: in-flight and call counters for faults and stats, and the
//! tables write cmdlets changed (generated tables are kept apart, within a budget, in
//! `table_cache`: they can be generated again; a change cannot).
//!
//! The table is sharded so tenants never contend with each other; within a tenant,
//! reads take a read lock and clone an `Arc`.

use super::dataset::Table;
use super::stats::Stats;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

const SHARDS: usize = 64;

/// One tenant's runtime state.
#[derive(Debug)]
pub struct TenantRuntime {
    /// Canonical key (lowercased primary id).
    #[allow(dead_code)]
    pub key: String,
    /// A hash of the key, for the fault dice.
    pub key_hash: u64,
    pub calls: AtomicU64,
    pub in_flight: AtomicU64,
    pub max_in_flight: AtomicU64,
    /// Tables a write cmdlet changed, by the cmdlet that reads them.
    changed: RwLock<HashMap<&'static str, Arc<Table>>>,
    /// Access tokens issued for this tenant so far (never reset: `expired_tokens` counts them).
    pub tokens_issued: AtomicU64,
    /// The `uti` of tokens the admin API refuses as expired early (`expired_tokens`).
    pub expired_early: parking_lot::Mutex<std::collections::HashSet<String>>,
}

impl TenantRuntime {
    fn new(key: &str) -> Self {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        TenantRuntime {
            key: key.to_string(),
            key_hash: h.finish(),
            calls: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            changed: RwLock::new(HashMap::new()),
            tokens_issued: AtomicU64::new(0),
            expired_early: parking_lot::Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Count a token issued for this tenant; the first `expire_first` are marked to be
    /// refused as expired by the admin API.
    pub fn issued(&self, uti: &str, expire_first: u64) {
        let n = self.tokens_issued.fetch_add(1, Relaxed) + 1;
        if n <= expire_first {
            self.expired_early.lock().insert(uti.to_string());
        }
    }

    /// Whether the token with `uti` was marked to be refused as expired.
    pub fn expired_early(&self, uti: &str) -> bool {
        self.expired_early.lock().contains(uti)
    }

    /// The table of `cmdlet` as a write cmdlet left it, if one changed it.
    pub fn changed(&self, cmdlet: &str) -> Option<Arc<Table>> {
        self.changed.read().get(cmdlet).cloned()
    }

    /// Replace the table of `cmdlet` (write cmdlets).
    pub fn replace(&self, cmdlet: &'static str, table: Table) {
        self.changed.write().insert(cmdlet, Arc::new(table));
    }
}

/// Decrements the in-flight counters when an admin API call ends (however it ends).
#[derive(Debug)]
pub struct InFlight {
    tenant: Arc<TenantRuntime>,
    global: Arc<super::state::State>,
}

impl InFlight {
    pub fn enter(tenant: Arc<TenantRuntime>, global: Arc<super::state::State>) -> (Self, u64) {
        let now = tenant.in_flight.fetch_add(1, Relaxed) + 1;
        tenant.max_in_flight.fetch_max(now, Relaxed);
        global.counters.enter();
        (InFlight { tenant, global }, now)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.tenant.in_flight.fetch_sub(1, Relaxed);
        self.global.counters.leave();
    }
}

/// All tenants seen so far.
#[derive(Debug)]
pub struct TenantTable {
    shards: Vec<RwLock<HashMap<String, Arc<TenantRuntime>>>>,
}

impl Default for TenantTable {
    fn default() -> Self {
        TenantTable { shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect() }
    }
}

impl TenantTable {
    fn shard(&self, key: &str) -> &RwLock<HashMap<String, Arc<TenantRuntime>>> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        &self.shards[(h.finish() as usize) % SHARDS]
    }

    /// The runtime of tenant `key`, created on first use.
    pub fn get(&self, key: &str) -> Arc<TenantRuntime> {
        let shard = self.shard(key);
        if let Some(t) = shard.read().get(key) {
            return t.clone();
        }
        shard.write().entry(key.to_string()).or_insert_with(|| Arc::new(TenantRuntime::new(key))).clone()
    }

    pub fn fill_stats(&self, stats: &mut Stats) {
        for shard in &self.shards {
            for (key, t) in shard.read().iter() {
                let calls = t.calls.load(Relaxed);
                if calls > 0 {
                    stats.admin_requests_per_tenant.insert(key.clone(), calls);
                    stats.max_concurrency_per_tenant.insert(key.clone(), t.max_in_flight.load(Relaxed));
                }
            }
        }
    }

    pub fn reset_counters(&self) {
        for shard in &self.shards {
            for t in shard.read().values() {
                t.calls.store(0, Relaxed);
                t.max_in_flight.store(t.in_flight.load(Relaxed), Relaxed);
            }
        }
    }
}
