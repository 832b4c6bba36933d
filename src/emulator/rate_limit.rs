//! The emulator's overall rate limit (`--rate-limit`): a token bucket over every admin
//! API call of every tenant, refilled at `rate` per second and holding at most a tenth
//! of a second's worth (at least one). A call that finds it empty is answered 429.

use parking_lot::Mutex;
use std::time::{Duration, Instant};

/// Tokens and the time they were counted.
#[derive(Debug)]
struct Level {
    tokens: f64,
    at: Instant,
}

/// A token bucket; `None` from [`TokenBucket::new`] when there is no limit.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    level: Mutex<Level>,
}

impl TokenBucket {
    /// `rate` calls per second; no bucket when `rate` is not a positive number.
    pub fn new(rate: f64) -> Option<Self> {
        if !(rate.is_finite() && rate > 0.0) {
            return None;
        }
        let burst = (rate / 10.0).max(1.0);
        Some(TokenBucket { rate, burst, level: Mutex::new(Level { tokens: burst, at: Instant::now() }) })
    }

    /// Take a token now, or say how long until one is there.
    pub fn take(&self) -> Result<(), Duration> {
        self.take_at(Instant::now())
    }

    fn take_at(&self, now: Instant) -> Result<(), Duration> {
        let mut l = self.level.lock();
        let elapsed = now.saturating_duration_since(l.at).as_secs_f64();
        l.tokens = (l.tokens + elapsed * self.rate).min(self.burst);
        l.at = now;
        if l.tokens >= 1.0 {
            l.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - l.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TokenBucket;
    use std::time::{Duration, Instant};

    #[test]
    fn no_rate_no_bucket() {
        assert!(TokenBucket::new(0.0).is_none());
        assert!(TokenBucket::new(-3.0).is_none());
        assert!(TokenBucket::new(f64::NAN).is_none());
    }

    #[test]
    fn the_burst_is_a_tenth_of_a_second_then_the_rate_refills_it() {
        let b = TokenBucket::new(100.0).expect("bucket");
        let t0 = Instant::now();
        for _ in 0..10 {
            assert_eq!(b.take_at(t0), Ok(()));
        }
        let wait = b.take_at(t0).expect_err("empty");
        assert_eq!(wait, Duration::from_millis(10));
        // 50 ms later: 5 tokens.
        let t1 = t0 + Duration::from_millis(50);
        for _ in 0..5 {
            assert_eq!(b.take_at(t1), Ok(()));
        }
        assert!(b.take_at(t1).is_err());
        // Never more than the burst, however long it idles.
        let t2 = t1 + Duration::from_secs(60);
        assert_eq!((0..20).filter(|_| b.take_at(t2).is_ok()).count(), 10);
    }

    #[test]
    fn a_slow_rate_still_holds_one_token() {
        let b = TokenBucket::new(2.0).expect("bucket");
        let t0 = Instant::now();
        assert_eq!(b.take_at(t0), Ok(()));
        assert_eq!(b.take_at(t0), Err(Duration::from_millis(500)));
    }
}
