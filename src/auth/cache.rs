//! The in-memory token cache: one slot per (identity, environment, tenant, resource).
//! A slot holds the current token and when to renew it, and a flight lock so that any
//! number of concurrent callers cause one token request (single flight). A failed flight is
//! shared with the callers that were waiting for it instead of being retried by each.

use super::error::AuthError;
use super::token::AccessToken;
use crate::profile::Secret;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Identity name, authority, lower-cased tenant, resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SlotKey(String, String, String, String);

impl SlotKey {
    pub fn new(identity: &str, authority: &str, tenant: &str, resource: &str) -> Self {
        SlotKey(
            identity.to_string(),
            authority.to_string(),
            tenant.to_ascii_lowercase(),
            resource.trim_end_matches('/').to_string(),
        )
    }
}

struct Cached {
    token: AccessToken,
    renew_at: SystemTime,
}

#[derive(Default)]
pub(crate) struct Slot {
    state: Mutex<SlotState>,
    /// Held while a token request is in flight.
    pub flight: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct SlotState {
    cached: Option<Cached>,
    failure: Option<(Instant, AuthError)>,
}

/// Renew when less than a quarter of the lifetime, at most `ahead`, remains.
pub(crate) fn renew_at(token: &AccessToken, ahead: Duration) -> SystemTime {
    let lifetime = token.remaining();
    token.expires_at.checked_sub(ahead.min(lifetime / 4)).unwrap_or(token.expires_at)
}

impl Slot {
    /// The cached token if it does not need renewing yet.
    pub fn fresh(&self) -> Option<AccessToken> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let c = state.cached.as_ref()?;
        (SystemTime::now() < c.renew_at).then(|| c.token.clone())
    }

    /// The error of a flight that ended after `since` (the caller was waiting for it).
    pub fn failure_since(&self, since: Instant) -> Option<AuthError> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.failure.as_ref().filter(|(at, _)| *at >= since).map(|(_, e)| e.clone())
    }

    /// Cache `token`; it is scrubbed from every text while cached ([`crate::redact`]).
    pub fn store(&self, token: AccessToken, ahead: Duration) {
        let renew = renew_at(&token, ahead);
        crate::redact::hold(token.value.expose());
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = state.cached.replace(Cached { token, renew_at: renew }) {
            crate::redact::release(old.token.value.expose());
        }
        state.failure = None;
    }

    /// Drop the cached token, if any.
    fn clear(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = state.cached.take() {
            crate::redact::release(old.token.value.expose());
        }
    }

    pub fn fail(&self, error: AuthError) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.failure = Some((Instant::now(), error));
    }

    /// Drop the cached token if it is the one the service rejected; a different one is
    /// already the renewal another caller made after the same 401, and is kept.
    pub fn invalidate(&self, rejected: &Secret) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.cached.as_ref().is_some_and(|c| c.token.value.expose() == rejected.expose()) {
            if let Some(old) = state.cached.take() {
                crate::redact::release(old.token.value.expose());
            }
        }
    }
}

/// All slots of a broker.
#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<SlotKey, Arc<Slot>>>,
}

impl TokenCache {
    pub fn slot(&self, key: SlotKey) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(key).or_default().clone()
    }

    /// Remove every slot of (identity, tenant), whatever the environment and resource.
    pub fn remove_tenant(&self, identity: &str, tenant: &str) {
        let tenant = tenant.to_ascii_lowercase();
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.retain(|k, slot| {
            let keep = !(k.0 == identity && k.2 == tenant);
            if !keep {
                slot.clear();
            }
            keep
        });
    }

    /// Every slot of (identity, tenant, resource), whatever the environment.
    pub fn existing_for(&self, identity: &str, tenant: &str, resource: &str) -> Vec<Arc<Slot>> {
        let probe = SlotKey::new(identity, "", tenant, resource);
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots
            .iter()
            .filter(|(k, _)| k.0 == probe.0 && k.2 == probe.2 && k.3 == probe.3)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Secret;

    fn token(secs: u64) -> AccessToken {
        AccessToken { value: Secret::new("t"), expires_at: SystemTime::now() + Duration::from_secs(secs) }
    }

    #[test]
    fn renews_ahead_of_expiry() {
        let t = token(3600);
        let r = renew_at(&t, Duration::from_secs(300));
        let before = t.expires_at.duration_since(r).expect("before expiry");
        assert!((299..=300).contains(&before.as_secs()), "{before:?}");
        // Short-lived tokens renew at three quarters of their life.
        let t = token(8);
        let before = t.expires_at.duration_since(renew_at(&t, Duration::from_secs(300))).expect("before");
        assert!(before <= Duration::from_secs(2) && before >= Duration::from_millis(1900), "{before:?}");
    }

    #[test]
    fn remove_tenant_drops_only_that_tenants_slots() {
        let cache = TokenCache::default();
        for (tenant, resource) in [("a.example", "r1"), ("a.example", "r2"), ("b.example", "r1")] {
            cache
                .slot(SlotKey::new("app", "https://login/", tenant, resource))
                .store(token(3600), Duration::ZERO);
        }
        cache.remove_tenant("app", "A.example");
        assert!(cache.existing_for("app", "a.example", "r1").is_empty());
        assert!(cache.existing_for("app", "a.example", "r2").is_empty());
        assert_eq!(cache.existing_for("app", "b.example", "r1").len(), 1);
        cache.remove_tenant("other", "b.example");
        assert_eq!(cache.existing_for("app", "b.example", "r1").len(), 1);
    }

    #[test]
    fn invalidate_drops_only_the_rejected_token() {
        let slot = Slot::default();
        let cached = token(3600);
        let value = cached.value.clone();
        slot.store(cached, Duration::from_secs(300));
        slot.invalidate(&Secret::new("some-older-token"));
        assert!(slot.fresh().is_some(), "a token other than the rejected one is kept");
        slot.invalidate(&value);
        assert!(slot.fresh().is_none());
    }
}
