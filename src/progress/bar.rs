//! Progress bars (indicatif) for an attended terminal: an overall bar with tenants
//! done/total, steps/s, ETA and failures, plus a bounded set of lines for the
//! tenants in flight. While the bars are drawn, log lines go above them
//! ([`super::log_sink`]). After a stop the counts stay honest: the overall bar counts
//! tenants whose every planned step ran, and says how many steps never ran.

use crate::runner::{RunEvent, StopReason};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// At most this many per-tenant lines; the rest are counted in the overall line.
const MAX_LINES: usize = 8;

pub struct BarView {
    multi: MultiProgress,
    overall: ProgressBar,
    lines: HashMap<String, ProgressBar>,
    hidden_in_flight: usize,
    started: Instant,
    steps_done: u64,
    steps_total: u64,
    failed: u64,
    /// Tenants that finished with planned steps left out (the run was stopping).
    cut_short: u64,
    stopping: Option<StopReason>,
}

const RUNNING: &str = "{bar:30.cyan/blue} {pos}/{len} tenants  {msg}  ETA {eta}";
/// After a stop there is no ETA to give.
const STOPPED: &str = "{bar:30.cyan/blue} {pos}/{len} tenants  {msg}";

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl BarView {
    pub fn new() -> BarView {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(style(RUNNING));
        overall.enable_steady_tick(Duration::from_millis(250));
        super::log_sink::attach(&multi);
        BarView {
            multi,
            overall,
            lines: HashMap::new(),
            hidden_in_flight: 0,
            started: Instant::now(),
            steps_done: 0,
            steps_total: 0,
            failed: 0,
            cut_short: 0,
            stopping: None,
        }
    }

    fn refresh(&self) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let mut msg = format!(
            "{}/{} steps  {:.1} steps/s  {} failed",
            self.steps_done,
            self.steps_total,
            self.steps_done as f64 / secs,
            self.failed
        );
        if self.hidden_in_flight > 0 {
            let _ = write!(msg, "  (+{} more in flight)", self.hidden_in_flight);
        }
        if self.stopping.is_some() {
            let not_run = self.steps_total.saturating_sub(self.steps_done);
            let _ = write!(msg, "  {not_run} not run");
            if self.cut_short > 0 {
                let _ = write!(msg, " ({} tenants cut short)", self.cut_short);
            }
        }
        match self.stopping {
            Some(StopReason::Interrupted) => msg.push_str("  interrupted: finishing in-flight steps"),
            Some(StopReason::FailFast) => msg.push_str("  --fail-fast: finishing in-flight steps"),
            None => {}
        }
        self.overall.set_message(msg);
    }

    pub fn on_event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::Started { tenants, steps } => {
                self.overall.set_length(*tenants as u64);
                self.steps_total = *steps as u64;
                self.started = Instant::now();
            }
            RunEvent::TenantStarted { tenant } => {
                if self.lines.len() < MAX_LINES {
                    let line = self.multi.add(ProgressBar::new_spinner());
                    line.set_style(
                        ProgressStyle::with_template("  {spinner} {prefix} {wide_msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    // Discovered tenant ids come from a directory service: cleaned like server text.
                    line.set_prefix(crate::server_text::clean_line(tenant).into_owned());
                    line.enable_steady_tick(Duration::from_millis(120));
                    self.lines.insert(tenant.clone(), line);
                } else {
                    self.hidden_in_flight += 1;
                }
            }
            RunEvent::StepStarted { tenant, command, cmdlet, .. } => {
                if let Some(line) = self.lines.get(tenant) {
                    line.set_message(format!("{command}: {cmdlet}"));
                }
            }
            RunEvent::StepFinished(record) => {
                self.steps_done += 1;
                if record.status == crate::output::StepStatus::Failed {
                    self.failed += 1;
                }
            }
            RunEvent::TenantFinished { tenant, counts, .. } => {
                match self.lines.remove(tenant) {
                    Some(line) => {
                        line.finish_and_clear();
                        self.multi.remove(&line);
                    }
                    None => self.hidden_in_flight = self.hidden_in_flight.saturating_sub(1),
                }
                if counts.not_run == 0 {
                    self.overall.inc(1);
                } else {
                    self.cut_short += 1;
                }
            }
            RunEvent::Stopping(reason) => {
                self.stopping = Some(*reason);
                self.overall.set_style(style(STOPPED));
            }
        }
        self.refresh();
    }

    pub fn note(&self, text: &str) {
        let _ = self.multi.println(text);
    }

    /// Leave the overall bar on screen as it stands: a stopped run keeps its real
    /// position (never "N/N … ETA 0s" for steps that did not run).
    pub fn finish(&mut self) {
        for (_, line) in self.lines.drain() {
            line.finish_and_clear();
            self.multi.remove(&line);
        }
        self.overall.set_style(style(STOPPED));
        self.refresh();
        self.overall.abandon();
        super::log_sink::detach();
    }
}
