//! The per-tenant circuit breaker: after `threshold` consecutive failures that point
//! at the service or the network (throttling after retries, 5xx, timeouts, dropped
//! connections), the tenant's remaining steps fail at once instead of hammering it.

use crate::adminapi::{ApiError, ErrorKind};

/// Consecutive-failure breaker; pure and synchronous.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    threshold: u32,
    consecutive: u32,
    last: Option<ApiError>,
}

impl CircuitBreaker {
    /// `threshold == 0` disables the breaker.
    pub fn new(threshold: u32) -> Self {
        CircuitBreaker { threshold, consecutive: 0, last: None }
    }

    /// Whether `error` counts towards opening the breaker.
    pub fn counts(error: &ApiError) -> bool {
        match error.kind {
            ErrorKind::Throttled | ErrorKind::Network | ErrorKind::Timeout => true,
            ErrorKind::Http => error.status.is_none_or(|s| s >= 500),
            ErrorKind::Auth | ErrorKind::Cmdlet | ErrorKind::Refused => false,
        }
    }

    /// A step reached the service and got a definite answer.
    pub fn record_success(&mut self) {
        self.consecutive = 0;
        self.last = None;
    }

    /// A step failed.
    pub fn record_failure(&mut self, error: &ApiError) {
        if Self::counts(error) {
            self.consecutive += 1;
            self.last = Some(error.clone());
        } else {
            self.record_success();
        }
    }

    /// `Some(error)` for the next step when the breaker is open.
    pub fn check(&self) -> Option<ApiError> {
        if self.threshold == 0 || self.consecutive < self.threshold {
            return None;
        }
        let last = self.last.as_ref()?;
        Some(ApiError {
            message: format!(
                "not sent: circuit open after {} consecutive failures for this tenant; last: {}",
                self.consecutive, last.message
            ),
            ..last.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: ErrorKind, status: Option<u16>) -> ApiError {
        ApiError { kind, status, code: None, exception_type: None, message: "boom".into() }
    }

    #[test]
    fn opens_after_threshold_and_resets_on_success() {
        let mut b = CircuitBreaker::new(3);
        b.record_failure(&err(ErrorKind::Network, None));
        b.record_failure(&err(ErrorKind::Http, Some(502)));
        assert!(b.check().is_none());
        b.record_success();
        for _ in 0..3 {
            b.record_failure(&err(ErrorKind::Throttled, Some(429)));
        }
        let open = b.check().expect("open");
        assert_eq!((open.kind, open.status), (ErrorKind::Throttled, Some(429)));
        assert!(open.message.contains("circuit open after 3"), "{}", open.message);
    }

    #[test]
    fn client_side_failures_do_not_count() {
        let mut b = CircuitBreaker::new(1);
        b.record_failure(&err(ErrorKind::Cmdlet, Some(400)));
        b.record_failure(&err(ErrorKind::Http, Some(404)));
        assert!(b.check().is_none());
        let mut off = CircuitBreaker::new(0);
        off.record_failure(&err(ErrorKind::Network, None));
        assert!(off.check().is_none());
    }
}
