//! Plain progress: one line per finished tenant on stderr (CI logs, pipes).
#![allow(clippy::print_stderr)]

use crate::runner::{RunEvent, StopReason};

/// Counts what finished so far to number the lines.
#[derive(Debug, Default)]
pub struct PlainView {
    total: usize,
    done: usize,
}

impl PlainView {
    pub fn on_event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::Started { tenants, steps } => {
                self.total = *tenants;
                eprintln!("running {steps} step(s) across {tenants} tenant(s)");
            }
            RunEvent::TenantFinished { tenant, counts, duration, first_error } => {
                self.done += 1;
                let tenant = crate::server_text::clean_line(tenant);
                let status = crate::output::summary::tenant_status(counts);
                let width = self.total.to_string().len();
                let not_run =
                    if counts.not_run > 0 { format!(", {} not run", counts.not_run) } else { String::new() };
                let mut line = format!(
                    "[{:>width$}/{}] {status:<10} {tenant}  {} ok, {} failed, {} skipped{not_run}  {:.1}s",
                    self.done,
                    self.total,
                    counts.ok,
                    counts.failed,
                    counts.skipped,
                    duration.as_secs_f64()
                );
                if let Some(e) = first_error {
                    line.push_str("  — ");
                    line.push_str(&crate::server_text::clean_line(e));
                }
                eprintln!("{line}");
            }
            RunEvent::Stopping(StopReason::Interrupted) => {
                eprintln!("interrupted: no new steps will start; waiting for those in flight (Ctrl-C again to stop at once)")
            }
            RunEvent::Stopping(StopReason::FailFast) => {
                eprintln!("a step failed: --fail-fast, no new steps will start")
            }
            _ => {}
        }
    }
}

pub fn note(text: &str) {
    eprintln!("{text}");
}
