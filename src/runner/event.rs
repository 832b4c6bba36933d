//! The events the engine emits. The engine knows nothing of terminals or files:
//! the journal, summary, progress bars and plain lines all consume these.

use crate::output::{Counts, StepRecord};
use std::time::Duration;

/// Why the engine stopped starting new work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// First Ctrl-C.
    Interrupted,
    /// `--fail-fast` after a failed step.
    FailFast,
}

/// One thing that happened during a run.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// The run begins: how many tenants and steps are planned.
    Started { tenants: usize, steps: usize },
    /// A tenant's first step is about to start.
    TenantStarted { tenant: String },
    /// A step is about to be sent.
    StepStarted { tenant: String, command: String, step: usize, cmdlet: String },
    /// A step finished (ok, failed or skipped); one `results.jsonl` line.
    StepFinished(StepRecord),
    /// Every step of a tenant that was going to run has finished.
    TenantFinished { tenant: String, counts: Counts, duration: Duration, first_error: Option<String> },
    /// No new steps will start.
    Stopping(StopReason),
}
