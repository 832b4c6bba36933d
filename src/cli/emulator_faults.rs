//! `run --emulator-latency-ms / --emulator-throttle-every / ...`: fault injection for the
//! built-in, in-process emulator (environment `emulator`), so retries, throttling and
//! progress can be seen without starting `tenantrun emulator` in a second terminal.

use crate::emulator::EmulatorConfig;
use crate::error::CliError;
use clap::Args;

/// The in-process emulator's faults (the same as `tenantrun emulator`'s flags).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Built-in emulator (environment `emulator`)")]
pub struct EmulatorFaultArgs {
    /// Latency added to every request the in-process emulator answers, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub emulator_latency_ms: Option<u64>,
    /// The in-process emulator answers every Nth admin API call of a tenant with 429 + Retry-After.
    #[arg(long, value_name = "N")]
    pub emulator_throttle_every: Option<u64>,
    /// Probability (0..1) that the in-process emulator answers an admin API call with a 5xx.
    #[arg(long, value_name = "P")]
    pub emulator_error_rate: Option<f64>,
    /// Retry-After seconds the in-process emulator sends with 429 and 503 [default: 1].
    #[arg(long, value_name = "SECS")]
    pub emulator_retry_after: Option<u64>,
}

impl EmulatorFaultArgs {
    /// Whether any flag was given.
    pub fn any(&self) -> bool {
        self.emulator_latency_ms.is_some()
            || self.emulator_throttle_every.is_some()
            || self.emulator_error_rate.is_some()
            || self.emulator_retry_after.is_some()
    }

    /// The in-process emulator's configuration: defaults, with these flags on top.
    pub fn config(&self) -> Result<EmulatorConfig, CliError> {
        let mut c = EmulatorConfig::default();
        if let Some(v) = self.emulator_latency_ms {
            c.latency_ms = v;
        }
        if let Some(v) = self.emulator_throttle_every {
            c.throttle_every = v;
        }
        if let Some(v) = self.emulator_retry_after {
            c.retry_after_secs = v;
        }
        if let Some(p) = self.emulator_error_rate {
            if !(0.0..=1.0).contains(&p) {
                return Err(CliError::Usage(format!(
                    "--emulator-error-rate must be between 0 and 1, got {p}"
                )));
            }
            c.server_error_rate = p;
        }
        Ok(c)
    }
}
