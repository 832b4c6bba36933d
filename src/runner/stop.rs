//! The stop signal: set by the first Ctrl-C or by `--fail-fast`; the engine checks it
//! before starting each tenant and each step (in-flight requests are left to finish).

use super::event::StopReason;
use std::sync::{Arc, Mutex};

/// Shared, cloneable stop flag remembering the first reason.
#[derive(Debug, Clone, Default)]
pub struct StopSignal(Arc<Mutex<Option<StopReason>>>);

impl StopSignal {
    /// Set the flag; returns true if this call set it first.
    pub fn stop(&self, reason: StopReason) -> bool {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_some() {
            return false;
        }
        *guard = Some(reason);
        true
    }

    pub fn reason(&self) -> Option<StopReason> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_stopped(&self) -> bool {
        self.reason().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_reason_wins() {
        let s = StopSignal::default();
        assert!(!s.is_stopped());
        assert!(s.stop(StopReason::FailFast));
        assert!(!s.clone().stop(StopReason::Interrupted));
        assert_eq!(s.reason(), Some(StopReason::FailFast));
    }
}
