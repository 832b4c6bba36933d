//! Adaptive concurrency (`-j auto`): an AIMD window of requests in flight.
//!
//! One [`AdaptiveLimit`] caps the whole run and one caps each tenant. Every admin API
//! attempt takes a [`Permit`] from both before it is sent and reports how it went:
//! a success widens the window (by half a slot per success while no throttle was seen
//! yet: slow start; then by one per [`PROBE`] windows' worth of successes, so a window
//! that sits just under the service's limit draws a 429 rarely), a 429/503 narrows it
//! by [`BACKOFF`] (halved on leaving slow start), at most once per window (the answers
//! to requests sent before the cut do not cut again). The throttled request itself waits
//! out `Retry-After` through the retry policy, holding no permit while it sleeps.
//!
//! Leaving slow start a window that grew into the throttle overshot by up to half of what
//! it was a round trip before, so the service's limit lies between the halved window and
//! [`RECOVER`] of the window cut: the window climbs back to the latter at slow start's
//! pace, then probes slowly (a window throttled near its starting size may be far above
//! the limit, and only probes). Without that climb a halving that landed well below the
//! limit left the window there for the rest of a short run (docs/benchmarks.md, "-j auto").

use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Factor applied to the window on a throttle.
pub const BACKOFF: f64 = 0.85;

/// Growth per success in slow start (x1.5 per round trip).
pub const SLOW_START: f64 = 0.5;

/// After the first throttle the window grows by one per `PROBE` windows of successes.
pub const PROBE: f64 = 8.0;

/// Leaving slow start, the window climbs back quickly to this share of the window it had
/// when the first throttle arrived.
pub const RECOVER: f64 = 0.75;

/// The window's state.
#[derive(Debug)]
struct Window {
    limit: f64,
    in_flight: usize,
    /// Bumped on every cut; a permit remembers the epoch it was taken in.
    epoch: u64,
    /// No throttle seen yet: grow by half a slot per success.
    slow_start: bool,
    /// After leaving slow start, the window grows at slow start's pace while under this.
    recover_to: f64,
}

/// An AIMD-controlled cap on requests in flight, between `min` and `max`.
#[derive(Debug)]
pub struct AdaptiveLimit {
    window: Mutex<Window>,
    /// Where the window started.
    initial: f64,
    min: usize,
    max: usize,
    freed: Notify,
}

/// A request slot; dropping it frees the slot.
#[derive(Debug)]
pub struct Permit<'a> {
    owner: &'a AdaptiveLimit,
    epoch: u64,
}

impl AdaptiveLimit {
    /// A window starting at `initial`, kept within `min..=max` (`min` at least 1).
    pub fn new(initial: usize, min: usize, max: usize) -> Self {
        let min = min.max(1);
        let max = max.max(min);
        let initial = initial.clamp(min, max) as f64;
        let window = Window { limit: initial, in_flight: 0, epoch: 0, slow_start: true, recover_to: 0.0 };
        AdaptiveLimit { window: Mutex::new(window), initial, min, max, freed: Notify::new() }
    }

    fn lock(&self) -> MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current window, rounded down (at least `min`).
    pub fn limit(&self) -> usize {
        (self.lock().limit as usize).clamp(self.min, self.max)
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.lock().in_flight
    }

    /// A permit if the window has room now.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut w = self.lock();
        let limit = (w.limit as usize).clamp(self.min, self.max);
        if w.in_flight < limit {
            w.in_flight += 1;
            Some(Permit { owner: self, epoch: w.epoch })
        } else {
            None
        }
    }

    /// Wait for room in the window.
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if let Some(p) = self.try_acquire() {
                return p;
            }
            freed.await;
        }
    }

    fn release(&self) {
        let mut w = self.lock();
        w.in_flight = w.in_flight.saturating_sub(1);
        drop(w);
        self.freed.notify_waiters();
    }

    fn success(&self) {
        let mut w = self.lock();
        let fast = w.slow_start || w.limit < w.recover_to;
        let grow = if fast { SLOW_START } else { 1.0 / (w.limit.max(1.0) * PROBE) };
        w.limit = (w.limit + grow).min(self.max as f64);
        drop(w);
        self.freed.notify_waiters();
    }

    fn throttled(&self, epoch: u64) {
        let mut w = self.lock();
        if epoch == w.epoch {
            // Leaving slow start, the window overshot by up to half: halve it, and climb
            // back to RECOVER of it quickly. That bound holds only for a window that grew
            // into the throttle: one throttled near its starting size may be far above the
            // limit, and is not climbed back. Any later cut ends a climb.
            if w.slow_start {
                let grown = w.limit >= self.initial * 2.0;
                w.recover_to = if grown { w.limit * RECOVER } else { 0.0 };
                w.limit = (w.limit * 0.5).max(self.min as f64);
            } else {
                w.recover_to = 0.0;
                w.limit = (w.limit * BACKOFF).max(self.min as f64);
            }
            w.epoch += 1;
        }
        w.slow_start = false;
    }
}

impl Permit<'_> {
    /// The request was answered without throttling (any status but 429/503).
    pub fn success(self) {
        self.owner.success();
    }

    /// The request was answered 429 or 503.
    pub fn throttled(self) {
        self.owner.throttled(self.epoch);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.owner.release();
    }
}

/// The two windows one tenant's requests pass: its own and the run's.
#[derive(Debug)]
pub struct Gate {
    overall: Arc<AdaptiveLimit>,
    tenant: AdaptiveLimit,
}

/// Slots in both windows of a [`Gate`].
#[derive(Debug)]
pub struct GatePermit<'a> {
    tenant: Permit<'a>,
    overall: Permit<'a>,
}

impl Gate {
    /// A tenant window (from 1 up to `per_tenant_max`) under the run's `overall` window.
    pub fn new(overall: Arc<AdaptiveLimit>, per_tenant_max: usize) -> Self {
        Gate { overall, tenant: AdaptiveLimit::new(1, 1, per_tenant_max) }
    }

    /// Wait for a slot in the tenant's window, then in the run's (so a tenant waiting
    /// on its own window holds none of the run's).
    pub async fn enter(&self) -> GatePermit<'_> {
        let tenant = self.tenant.acquire().await;
        let overall = self.overall.acquire().await;
        GatePermit { tenant, overall }
    }
}

impl GatePermit<'_> {
    /// Report the answer: `throttled` for 429/503.
    pub fn answered(self, throttled: bool) {
        if throttled {
            self.tenant.throttled();
            self.overall.throttled();
        } else {
            self.tenant.success();
            self.overall.success();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AdaptiveLimit, Gate};

    #[test]
    fn the_window_caps_permits_and_frees_them_on_drop() {
        let l = AdaptiveLimit::new(2, 1, 10);
        let a = l.try_acquire().expect("first");
        let b = l.try_acquire().expect("second");
        assert!(l.try_acquire().is_none());
        assert_eq!(l.in_flight(), 2);
        drop(a);
        assert_eq!(l.in_flight(), 1);
        assert!(l.try_acquire().is_some());
        drop(b);
        assert_eq!(l.in_flight(), 0);
    }

    #[test]
    fn slow_start_grows_by_half_per_success_then_slowly_after_the_first_throttle() {
        let l = AdaptiveLimit::new(1, 1, 100);
        let succeed = |n: usize| (0..n).for_each(|_| l.try_acquire().expect("room").success());
        succeed(14);
        assert_eq!(l.limit(), 8); // 1 + 14 * 0.5
        l.try_acquire().expect("room").throttled();
        assert_eq!(l.limit(), 4); // halved leaving slow start
        succeed(4);
        // Back to 0.75 * 8 at slow start's pace: 4 + 4 * 0.5.
        assert_eq!(l.limit(), 6);
        // Then one per PROBE windows: 6 -> 7 takes about (49 - 36) * PROBE / 2 = 52 successes.
        succeed(45);
        assert_eq!(l.limit(), 6);
        succeed(10);
        assert_eq!(l.limit(), 7);
        l.try_acquire().expect("room").throttled();
        assert_eq!(l.limit(), 5); // 7.05 * 0.85 = 5.997
        succeed(4);
        // 6.08 by slow growth; climbing at slow start's pace would give 7.997.
        assert_eq!(l.limit(), 6, "a later cut is not climbed back from quickly");
    }

    #[test]
    fn a_window_throttled_at_its_starting_size_is_not_climbed_back_quickly() {
        let l = AdaptiveLimit::new(16, 1, 100);
        l.try_acquire().expect("room").throttled();
        assert_eq!(l.limit(), 8);
        for _ in 0..8 {
            l.try_acquire().expect("room").success();
        }
        assert_eq!(l.limit(), 8, "8 + 8 / 64: probing, not climbing to 12");
    }

    #[test]
    fn one_cut_per_window_however_many_throttles_it_draws() {
        let l = AdaptiveLimit::new(10, 1, 100);
        let permits: Vec<_> = (0..10).map(|_| l.try_acquire().expect("room")).collect();
        for p in permits {
            p.throttled();
        }
        assert_eq!(l.limit(), 5); // 10 * 0.5, once
                                  // A request sent after the cut cuts again.
        l.try_acquire().expect("room").throttled();
        assert_eq!(l.limit(), 4); // 5 * 0.85 = 4.25
    }

    #[test]
    fn the_window_stays_within_its_bounds() {
        let l = AdaptiveLimit::new(50, 2, 4);
        assert_eq!(l.limit(), 4);
        for _ in 0..10 {
            l.try_acquire().expect("room").success();
        }
        assert_eq!(l.limit(), 4);
        for _ in 0..20 {
            l.try_acquire().expect("room").throttled();
        }
        assert_eq!(l.limit(), 2);
    }

    #[tokio::test]
    async fn a_gate_counts_against_both_windows_and_cuts_both_on_a_throttle() {
        let overall = std::sync::Arc::new(AdaptiveLimit::new(10, 1, 100));
        let a = Gate::new(overall.clone(), 4);
        let b = Gate::new(overall.clone(), 4);
        let pa = a.enter().await;
        let pb = b.enter().await;
        assert_eq!(overall.in_flight(), 2);
        // Tenant a's window is 1: a second request of a would wait.
        assert!(a.tenant.try_acquire().is_none());
        pa.answered(false);
        pb.answered(true);
        assert_eq!(overall.in_flight(), 0);
        assert_eq!(overall.limit(), 5); // (10 + 0.5) * 0.5 = 5.25
                                        // a's success grew only a's window (1.5: a second request needs one more).
        a.enter().await.answered(false);
        assert_eq!(a.tenant.limit(), 2);
        assert_eq!(b.tenant.limit(), 1);
    }

    #[tokio::test]
    async fn a_waiter_is_woken_when_a_permit_is_dropped() {
        let l = std::sync::Arc::new(AdaptiveLimit::new(1, 1, 1));
        let held = l.try_acquire().map(|p| p.epoch);
        assert_eq!(held, Some(0));
        assert_eq!(l.in_flight(), 0);
        let first = l.try_acquire().expect("room");
        let waiter = {
            let l = l.clone();
            tokio::spawn(async move {
                let p = l.acquire().await;
                p.success();
                l.in_flight()
            })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(first);
        assert_eq!(waiter.await.expect("joined"), 0);
    }
}
