//! Point "adaptive": `-j auto` against an emulator that throttles as Microsoft 365 does,
//! with a hidden per-tenant concurrency limit of 3 and an overall token bucket, side by
//! side with a fixed `-j 256` (far above what the bucket takes) and `-j 8` (below it).
//! The bucket implies a floor: the admin calls answered without a 429 divided by its rate.
//! Each job also prints where its wall time went (from the emulator's call log): the span
//! from the first cmdlet call received to the last answered, against that floor, and the
//! rest (process start, profile, each first token and region before the first cmdlet; the
//! journal and summary after the last answer).

use super::jobs::Bench;
use super::scenario::STEPS;
use tenantrun::emulator::EmulatorConfig;

impl Bench {
    pub fn adaptive(&mut self) -> Result<(), String> {
        let (n, rate) = if self.quick { (100, 100.0) } else { (500, 300.0) };
        let latency = 100u64;
        let config = EmulatorConfig {
            tenant_concurrency_limit: 3,
            rate_limit: rate,
            latency_ms: latency,
            retry_after_secs: 1,
            record_calls: true,
            ..Default::default()
        };
        let mut figures = Vec::new();
        for j in ["auto", "256", "8"] {
            let emu = self.emulator(config.clone())?;
            let job = self.job_j(&format!("adaptive-{j}"), &emu, n, 256, j, &STEPS);
            self.stop(emu);
            let job = job?;
            let calls: u64 = job.stats.admin_requests_per_tenant.values().sum();
            let answered = calls.saturating_sub(job.stats.throttled);
            let floor = answered as f64 / rate;
            let wall = job.cost.wall.as_secs_f64();
            let share = job.stats.throttled as f64 / calls.max(1) as f64;
            let span = cmdlet_span(&job.stats.calls);
            eprintln!(
                "  -j {j}: cmdlet calls span {span:.2} s = {:.2}× bucket; {:.2} s of the {wall:.2} s wall outside that span",
                span / floor,
                wall - span
            );
            figures.push((j, wall, floor, share, job.stats.throttled, calls));
        }
        let text: Vec<String> = figures
            .iter()
            .map(|(j, wall, floor, share, throttled, calls)| {
                format!(
                    "-j {j}: {wall:.2} s = {:.2}× bucket, {:.1}% 429 ({throttled}/{calls})",
                    wall / floor,
                    share * 100.0
                )
            })
            .collect();
        let (_, wall, floor, share, _, _) = figures[0];
        self.row(
            &format!(
                "adaptive: {n} tenants, M=3, L={latency}ms, bucket {rate:.0}/s, 3 per tenant (bucket time {floor:.2} s)"
            ),
            format!("**{}**; {}", text[0], text[1..].join("; ")),
            "auto ≤ 1.15× bucket time, < 5% 429",
            Some(wall / floor <= 1.15 && share < 0.05),
        );
        Ok(())
    }
}

/// Seconds from the first InvokeCommand received to the last answered.
fn cmdlet_span(calls: &[tenantrun::emulator::CallRecord]) -> f64 {
    let cmdlets = calls.iter().filter(|c| c.op == "InvokeCommand");
    let first = cmdlets.clone().map(|c| c.received_us).min().unwrap_or(0);
    let last = cmdlets.map(|c| c.answered_us).max().unwrap_or(0);
    last.saturating_sub(first) as f64 / 1e6
}
