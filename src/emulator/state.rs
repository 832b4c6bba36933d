//! The emulator's shared state, built once at start and shared by every connection.

use super::assertion::JtiStore;
use super::config::EmulatorConfig;
use super::device::DeviceStore;
use super::grant_refresh::RefreshStore;
use super::jwt::Signer;
use super::registry::Registry;
use super::stats::{Counters, Stats};
use super::tenant_state::TenantTable;
use parking_lot::Mutex;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

const ID_SHARDS: usize = 64;

/// Everything handlers read and update.
#[derive(Debug)]
pub struct State {
    pub config: EmulatorConfig,
    pub registry: Registry,
    pub signer: Signer,
    pub counters: Counters,
    pub tenants: TenantTable,
    pub refresh: RefreshStore,
    pub devices: DeviceStore,
    pub jti: JtiStore,
    pub request_ids: RequestIds,
    /// `http` or `https`.
    pub scheme: &'static str,
}

impl State {
    pub fn new(config: EmulatorConfig) -> Result<Self, String> {
        let registry = Registry::new(&config)?;
        let signer = Signer::new()?;
        let scheme = if config.tls { "https" } else { "http" };
        Ok(State {
            registry,
            signer,
            counters: Counters::default(),
            tenants: TenantTable::default(),
            refresh: RefreshStore::default(),
            devices: DeviceStore::default(),
            jti: JtiStore::default(),
            request_ids: RequestIds::default(),
            scheme,
            config,
        })
    }

    /// A snapshot of all counters, including the per-tenant ones.
    pub fn stats(&self) -> Stats {
        let mut s = self.counters.snapshot();
        self.tenants.fill_stats(&mut s);
        s
    }

    /// Zero every counter.
    pub fn reset(&self) {
        self.counters.reset();
        self.tenants.reset_counters();
        self.request_ids.clear();
    }
}

/// `client-request-id`s seen so far, sharded so concurrent requests rarely contend.
#[derive(Debug)]
pub struct RequestIds {
    shards: Vec<Mutex<HashSet<u128>>>,
}

impl Default for RequestIds {
    fn default() -> Self {
        RequestIds { shards: (0..ID_SHARDS).map(|_| Mutex::new(HashSet::new())).collect() }
    }
}

impl RequestIds {
    /// Record an id; false when it was seen before.
    pub fn insert(&self, id: &str) -> bool {
        let key = match uuid::Uuid::try_parse(id) {
            Ok(u) => u.as_u128(),
            Err(_) => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                id.hash(&mut h);
                u128::from(h.finish()) | (1u128 << 127)
            }
        };
        let shard = (key as usize ^ (key >> 64) as usize) % ID_SHARDS;
        self.shards[shard].lock().insert(key)
    }

    pub fn clear(&self) {
        for s in &self.shards {
            s.lock().clear();
        }
    }
}
