//! Point "report": the HTML report of a 10,000-tenant run (3 steps each, two checks, a
//! share of tenants failing): how long `tenantrun report` takes and how much memory,
//! the file's size, and how it behaves in headless Chromium (time until the page marks
//! itself ready, time until a text filter narrows 10,000 rows to one). The browser part
//! needs Debian's chromium and the tests/browser peer (installed with `npm ci` here when
//! missing); without them the point fails rather than printing no figure.

use super::jobs::Bench;
use super::measure;
use super::scenario::{self, SECRET, SECRET_ENV, STEPS};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use tenantrun::emulator::{EmulatorConfig, TenantConfig};

#[path = "../../tests/browser/peer.rs"]
mod peer;

/// What the browser saw (tests/browser/load_time.mjs).
#[derive(serde::Deserialize)]
struct Loaded {
    ready_ms: u64,
    rows_rendered: usize,
    shown: String,
    filter_ms: u64,
    filtered_shown: String,
    page_errors: Vec<String>,
}

fn load_in_browser(report: &Path, filter: &str) -> Result<Loaded, String> {
    peer::ready()?;
    let out = Command::new("node")
        .arg(peer::dir().join("load_time.mjs"))
        .arg(report)
        .arg(filter)
        .arg(peer::CHROMIUM)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start node: {e}"))?;
    if !out.status.success() {
        return Err(format!("browser peer failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("browser peer printed no JSON: {e}"))
}

impl Bench {
    pub fn report(&mut self) -> Result<(), String> {
        let n = if self.quick { 200 } else { 10_000 };
        let dir = self.dir("report")?;
        // Every 100th tenant's app lacks its Exchange role (403), every 250th is unknown to
        // Entra: failure groups with many tenants, as a real fleet shows them.
        let tenants: Vec<TenantConfig> = (1..=n)
            .filter(|i| i % 100 == 0)
            .map(|i| TenantConfig {
                id: scenario::tenant_id(i),
                lacks_exchange_role: true,
                ..Default::default()
            })
            .collect();
        let unknown = (1..=n).filter(|i| i % 250 == 7).map(scenario::tenant_id).collect();
        let emu =
            self.emulator(EmulatorConfig { tenants, unknown_tenants: unknown, ..Default::default() })?;
        let mut yaml = scenario::base_yaml(emu.base_url().as_str(), 64, &STEPS);
        yaml = yaml.replace(
            "    - Get-Label\n",
            "    - cmdlet: Get-Label\n      expect:\n        - id: BENCH.LABELS.1\n          title: At least five labels\n          \
             count: { min: 5 }\n        - id: BENCH.LABELS.2\n          title: Every label is named\n          \
             all: { Name: { exists: true } }\n",
        );
        yaml.push_str("tenants:\n");
        for i in 1..=n {
            let _ = writeln!(
                yaml,
                "  - id: {}\n    name: Customer {i:05}\n    tags: [bench]",
                scenario::tenant_id(i)
            );
        }
        let profile = dir.join("profile.yaml");
        std::fs::write(&profile, yaml).map_err(|e| e.to_string())?;
        let out = dir.join("out");
        let run_args: Vec<String> =
            ["run", &profile.display().to_string(), "--progress", "none", "-o", &out.display().to_string()]
                .map(String::from)
                .to_vec();
        let run = measure::run(&self.bin, &run_args, &[(SECRET_ENV, SECRET)], &dir, "run")?;
        // 1 (some tenants failed) or 3 (checks failed) is the expected outcome; 2 is not.
        if run.exit_code != 1 && run.exit_code != 3 {
            return Err(format!("report run: exit {} (logs in {})", run.exit_code, dir.display()));
        }
        let run_dir = super::jobs::run_dir(&out)?;
        let html = dir.join("report.html");
        let args: Vec<String> =
            ["report", &run_dir.display().to_string(), "--format", "html", "-o", &html.display().to_string()]
                .map(String::from)
                .to_vec();
        let cost = measure::run(&self.bin, &args, &[], &dir, "report")?;
        if cost.exit_code != 0 {
            return Err(format!("tenantrun report: exit {} (logs in {})", cost.exit_code, dir.display()));
        }
        let size = std::fs::metadata(&html).map_err(|e| e.to_string())?.len();
        self.row(
            &format!("HTML report of {n} tenants × 3 steps + 2 checks: `tenantrun report --format html`"),
            format!(
                "**{:.1} MiB** file, {:.2} s, peak RSS {:.1} MiB",
                size as f64 / 1_048_576.0,
                cost.wall.as_secs_f64(),
                cost.peak_rss_kib as f64 / 1024.0
            ),
            "—",
            None,
        );
        let probe = scenario::tenant_id(n / 2 + 1);
        let seen = load_in_browser(&html, probe.trim_end_matches(".onmicrosoft.com"))?;
        if !seen.page_errors.is_empty() || seen.filtered_shown.is_empty() || seen.shown.is_empty() {
            return Err(format!("the report misbehaved in the browser: errors {:?}", seen.page_errors));
        }
        self.row(
            &format!("the same report in headless Chromium ({n} tenants)"),
            format!(
                "ready in **{} ms** ({} rows drawn, \"{}\"); filter to one tenant {} ms",
                seen.ready_ms, seen.rows_rendered, seen.shown, seen.filter_ms
            ),
            "—",
            None,
        );
        Ok(())
    }
}
