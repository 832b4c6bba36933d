//! The emulator's shared state, built once at start and shared by every connection.

use super::assertion::JtiStore;
use super::config::EmulatorConfig;
use super::credential_log::CredentialLog;
use super::device::DeviceStore;
use super::grant_refresh::RefreshStore;
use super::jwt::Signer;
use super::rate_limit::TokenBucket;
use super::registry::Registry;
use super::stats::{CallLog, Counters, Stats};
use super::table_cache::TableCache;
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
    /// Generated datasets kept ready, within `dataset_cache_mib`.
    pub datasets: TableCache,
    pub refresh: RefreshStore,
    pub devices: DeviceStore,
    pub jti: JtiStore,
    pub request_ids: RequestIds,
    /// Tokens issued and assertions received, when `record_credentials` is on.
    pub credentials: CredentialLog,
    /// Partners and their GDAP relationships and contracts (Microsoft Graph).
    pub graph: super::graph::GraphStore,
    /// Admin API calls with their times, when `record_calls` is on.
    pub calls: CallLog,
    /// The overall rate limit, when `rate_limit` is set.
    pub bucket: Option<TokenBucket>,
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
            datasets: TableCache::new(
                usize::try_from(config.dataset_cache_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
            ),
            refresh: RefreshStore::default(),
            devices: DeviceStore::default(),
            jti: JtiStore::default(),
            request_ids: RequestIds::default(),
            credentials: CredentialLog::new(config.record_credentials),
            graph: super::graph::GraphStore::new(config.partners.clone()),
            calls: CallLog::new(config.record_calls),
            scheme,
            bucket: TokenBucket::new(config.rate_limit),
            config,
        })
    }

    /// A snapshot of all counters, including the per-tenant ones.
    pub fn stats(&self) -> Stats {
        let mut s = self.counters.snapshot();
        self.tenants.fill_stats(&mut s);
        (s.dataset_cache_bytes, s.datasets_cached) = self.datasets.held();
        s.calls = self.calls.snapshot();
        s
    }

    /// Zero every counter.
    pub fn reset(&self) {
        self.counters.reset();
        self.tenants.reset_counters();
        self.request_ids.clear();
        self.calls.clear();
    }
}

/// `client-request-id`s seen recently, sharded so concurrent requests rarely contend.
/// Each shard keeps two generations of at most `GENERATION` ids, so memory stays bounded
/// (about 4 million ids remembered) however long the emulator runs.
#[derive(Debug)]
pub struct RequestIds {
    shards: Vec<Mutex<Generations>>,
}

#[derive(Debug, Default)]
struct Generations {
    current: HashSet<u128>,
    previous: HashSet<u128>,
}

const GENERATION: usize = 32_768;

impl Default for RequestIds {
    fn default() -> Self {
        RequestIds { shards: (0..ID_SHARDS).map(|_| Mutex::new(Generations::default())).collect() }
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
        let mut g = self.shards[shard].lock();
        if g.previous.contains(&key) {
            return false;
        }
        if g.current.len() >= GENERATION {
            g.previous = std::mem::take(&mut g.current);
        }
        g.current.insert(key)
    }

    pub fn clear(&self) {
        for s in &self.shards {
            let mut g = s.lock();
            g.current.clear();
            g.previous.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RequestIds;

    #[test]
    fn request_ids_detect_reuse_and_stay_bounded() {
        let ids = RequestIds::default();
        assert!(ids.insert("6a1f0000-0000-4000-8000-000000000001"));
        assert!(!ids.insert("6a1f0000-0000-4000-8000-000000000001"));
        assert!(ids.insert("not-a-uuid"));
        assert!(!ids.insert("not-a-uuid"));
        for n in 0..300_000u128 {
            ids.insert(&uuid::Uuid::from_u128(n << 7 | 1).to_string());
        }
        let held: usize = ids
            .shards
            .iter()
            .map(|s| {
                let g = s.lock();
                g.current.len() + g.previous.len()
            })
            .sum();
        assert!(held <= 2 * super::GENERATION * super::ID_SHARDS, "{held}");
    }
}
