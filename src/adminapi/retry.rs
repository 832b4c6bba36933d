//! The retry policy of SPEC §4 as a small pure type: which failures are retried,
//! after how long, and when to give up.
//!
//! `429`/`503` honour `Retry-After` (capped); `500`/`502`/`504`, timeouts and
//! connection failures back off exponentially with full jitter; `401` asks the
//! caller to renew the token and retry once; everything else is final.

use std::time::Duration;

/// What went wrong with one HTTP attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with this status (`retry_after` from the header, if any).
    Status { status: u16, retry_after: Option<Duration> },
    /// The connection failed or dropped before a full response arrived.
    Network,
    /// The per-request timeout elapsed.
    Timeout,
    /// A failure that the same request would meet again (an untrusted certificate).
    Final,
}

/// Why a request is retried; shown at `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// 429/503 with (or without) `Retry-After`.
    Throttled(u16),
    /// 500/502/504.
    ServerError(u16),
    Network,
    Timeout,
    /// 401: the token was renewed.
    TokenRenewed,
}

impl std::fmt::Display for RetryReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetryReason::Throttled(s) => write!(f, "throttled ({s})"),
            RetryReason::ServerError(s) => write!(f, "server error ({s})"),
            RetryReason::Network => f.write_str("connection failed"),
            RetryReason::Timeout => f.write_str("request timed out"),
            RetryReason::TokenRenewed => f.write_str("token rejected (401), renewed"),
        }
    }
}

/// The policy's answer for one failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait `delay`, then send the same request again.
    Retry { delay: Duration, reason: RetryReason },
    /// Drop the cached token, get a new one, and retry at once (only once per request).
    RenewToken,
    /// Final: report the failure.
    GiveUp,
}

/// Retry settings for one request (all pages of a step use the same policy, each
/// page request counting its own retries).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (profile `defaults.retries`).
    pub max_retries: u32,
    /// First backoff step for 5xx / network errors.
    pub base_delay: Duration,
    /// Ceiling of one exponential backoff step.
    pub max_delay: Duration,
    /// Ceiling applied to a server's `Retry-After`.
    pub max_retry_after: Duration,
    /// Delay used for 429/503 that carry no `Retry-After`.
    pub default_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            default_retry_after: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// A policy with `max_retries` and the default delays.
    pub fn with_retries(max_retries: u32) -> Self {
        RetryPolicy { max_retries, ..RetryPolicy::default() }
    }

    /// Decide what to do after `failure`, when `retries` retries were already spent
    /// on this request and `renewed` says whether its token was already renewed.
    /// `jitter` is a uniform sample in `[0, 1)` (injected so the policy stays pure).
    pub fn decide(&self, failure: Failure, retries: u32, renewed: bool, jitter: f64) -> Decision {
        if let Failure::Status { status: 401, .. } = failure {
            return if renewed { Decision::GiveUp } else { Decision::RenewToken };
        }
        if retries >= self.max_retries {
            return Decision::GiveUp;
        }
        match failure {
            Failure::Status { status: status @ (429 | 503), retry_after } => {
                let wanted = retry_after.unwrap_or(self.default_retry_after);
                Decision::Retry {
                    delay: wanted.min(self.max_retry_after),
                    reason: RetryReason::Throttled(status),
                }
            }
            Failure::Status { status: status @ (500 | 502 | 504), .. } => Decision::Retry {
                delay: self.backoff(retries, jitter),
                reason: RetryReason::ServerError(status),
            },
            Failure::Status { .. } | Failure::Final => Decision::GiveUp,
            Failure::Network => {
                Decision::Retry { delay: self.backoff(retries, jitter), reason: RetryReason::Network }
            }
            Failure::Timeout => {
                Decision::Retry { delay: self.backoff(retries, jitter), reason: RetryReason::Timeout }
            }
        }
    }

    /// Exponential backoff with "equal jitter": half the step fixed, half random,
    /// so retries never collapse to zero yet spread out across tenants.
    pub fn backoff(&self, retries: u32, jitter: f64) -> Duration {
        let factor = 2u32.saturating_pow(retries.min(16));
        let step = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let jitter = jitter.clamp(0.0, 1.0);
        step / 2 + step.mul_f64(jitter / 2.0)
    }
}

/// Parse a `Retry-After` header value: delta-seconds (HTTP dates are not used by the
/// service). Any number saturates: `1e300` or twenty digits is "as long as possible"
/// ([`Duration::MAX`], which callers cap), never a panic.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let secs = v.parse::<f64>().ok().filter(|s| !s.is_nan() && *s >= 0.0)?;
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16, ra: Option<u64>) -> Failure {
        Failure::Status { status: s, retry_after: ra.map(Duration::from_secs) }
    }

    #[test]
    fn throttling_honours_retry_after_with_a_cap() {
        let p = RetryPolicy { max_retry_after: Duration::from_secs(10), ..RetryPolicy::with_retries(3) };
        assert_eq!(
            p.decide(status(429, Some(3)), 0, false, 0.5),
            Decision::Retry { delay: Duration::from_secs(3), reason: RetryReason::Throttled(429) }
        );
        assert_eq!(
            p.decide(status(503, Some(600)), 1, false, 0.5),
            Decision::Retry { delay: Duration::from_secs(10), reason: RetryReason::Throttled(503) }
        );
        assert_eq!(
            p.decide(status(429, None), 0, false, 0.0),
            Decision::Retry { delay: p.default_retry_after, reason: RetryReason::Throttled(429) }
        );
    }

    #[test]
    fn server_errors_back_off_exponentially_with_jitter() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::with_retries(10)
        };
        for (retries, step_ms) in [(0u32, 100u64), (1, 200), (2, 400), (3, 800), (4, 1000), (9, 1000)] {
            let low = p.backoff(retries, 0.0);
            let high = p.backoff(retries, 0.999_999);
            assert_eq!(low, Duration::from_millis(step_ms / 2), "retries={retries}");
            assert!(high < Duration::from_millis(step_ms) && high > low, "retries={retries} high={high:?}");
        }
        for s in [500, 502, 504] {
            assert!(matches!(
                p.decide(status(s, None), 0, false, 0.3),
                Decision::Retry { reason: RetryReason::ServerError(x), .. } if x == s
            ));
        }
        assert!(matches!(
            p.decide(Failure::Network, 0, false, 0.3),
            Decision::Retry { reason: RetryReason::Network, .. }
        ));
        assert!(matches!(
            p.decide(Failure::Timeout, 0, false, 0.3),
            Decision::Retry { reason: RetryReason::Timeout, .. }
        ));
    }

    #[test]
    fn client_errors_are_final() {
        let p = RetryPolicy::with_retries(5);
        for s in [400, 403, 404, 409, 501] {
            assert_eq!(p.decide(status(s, None), 0, false, 0.1), Decision::GiveUp, "{s}");
        }
    }

    #[test]
    fn unauthorized_renews_once() {
        let p = RetryPolicy::with_retries(0);
        assert_eq!(p.decide(status(401, None), 0, false, 0.1), Decision::RenewToken);
        assert_eq!(p.decide(status(401, None), 0, true, 0.1), Decision::GiveUp);
    }

    #[test]
    fn retries_are_bounded() {
        let p = RetryPolicy::with_retries(2);
        assert!(matches!(p.decide(status(503, Some(1)), 1, false, 0.1), Decision::Retry { .. }));
        assert_eq!(p.decide(status(503, Some(1)), 2, false, 0.1), Decision::GiveUp);
        assert_eq!(p.decide(Failure::Network, 2, false, 0.1), Decision::GiveUp);
    }

    #[test]
    fn retry_after_parses_seconds() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
    }

    #[test]
    fn huge_retry_after_saturates_and_is_capped() {
        for huge in ["1e300", "99999999999999999999", "inf", "18446744073709551616.5"] {
            assert_eq!(parse_retry_after(huge), Some(Duration::MAX), "{huge}");
        }
        let p = RetryPolicy::with_retries(1);
        let huge = Failure::Status { status: 429, retry_after: parse_retry_after("1e300") };
        assert_eq!(
            p.decide(huge, 0, false, 0.5),
            Decision::Retry { delay: p.max_retry_after, reason: RetryReason::Throttled(429) }
        );
    }
}
