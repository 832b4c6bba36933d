//! Point "checks": what expectations cost. Objects judged per second (the judge
//! streaming a 100,000-object Get-Mailbox items file through 10 expectations), and
//! the wall/CPU overhead of a run whose every step carries 10 checks against the
//! same run without any.

use super::jobs::Bench;
use super::measure;
use super::scenario::{self, SECRET, SECRET_ENV, STEPS};
use std::fmt::Write as _;
use std::io::Write as _;
use tenantrun::emulator::EmulatorConfig;

/// Ten expectations as a step's `expect:` block (every operator family used).
fn ten_checks(prefix: &str) -> String {
    let bodies = [
        "all: { Name: { exists: true } }",
        "none: { Disabled: true }",
        "any: { Name: { like: '*a*' } }",
        "count: { max: 100000 }",
        "all: { Priority: { ge: 0 } }",
        "none: { Name: { matches: '^zz[0-9]+$' } }",
        "where: { Mode: Enforce }\n          all: { Workload: { contains: exchange } }",
        "all: { Identity: { empty: false } }",
        "none: { Mode: { in: [Disable, TestWithoutNotifications] } }",
        "all: { Settings: { ne: [] } }",
    ];
    let mut y = String::new();
    for (i, b) in bodies.iter().enumerate() {
        let _ = write!(y, "        - id: {prefix}-{i}\n          {b}\n");
    }
    y
}

/// A mailbox-like object (the fields the ten checks read, and the bulk of a real one).
fn object(i: usize) -> serde_json::Value {
    serde_json::json!({
        "Name": format!("user{i}"), "Identity": format!("user{i}@bench.onmicrosoft.com"), "Priority": i % 7,
        "Disabled": i.is_multiple_of(97), "Mode": if i.is_multiple_of(3) { "Enforce" } else { "Audit" },
        "Workload": "Exchange, SharePoint", "Settings": ["[color, #FF0000]"],
        "RecipientTypeDetails": if i.is_multiple_of(9) { "SharedMailbox" } else { "UserMailbox" },
        "EmailAddresses": [format!("SMTP:user{i}@bench.onmicrosoft.com"), format!("smtp:user{i}@bench.mail.onmicrosoft.com")],
        "ProhibitSendQuota": "99 GB (106,300,440,576 bytes)", "WhenCreatedUTC": "2024-01-01T00:00:00+00:00",
    })
}

impl Bench {
    pub fn checks(&mut self) -> Result<(), String> {
        let dir = self.dir("checks")?;
        // 1. The judge alone, in process.
        let objects = if self.quick { 10_000 } else { 100_000 };
        let items = dir.join("items.jsonl");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&items).map_err(|e| e.to_string())?);
        for i in 0..objects {
            serde_json::to_writer(&mut f, &object(i)).map_err(|e| e.to_string())?;
            f.write_all(b"\n").map_err(|e| e.to_string())?;
        }
        f.flush().map_err(|e| e.to_string())?;
        drop(f);
        let profile = dir.join("judge.yaml");
        let yaml = format!(
            "version: 1\ncommands:\n  c:\n    - cmdlet: Get-Mailbox\n      expect:\n{}",
            ten_checks("J")
        );
        std::fs::write(&profile, yaml).map_err(|e| e.to_string())?;
        let loaded = tenantrun::profile::load(&[profile]).map_err(|e| e.to_string())?;
        let expect = loaded.commands[0].steps[0].expect.clone();
        let mut best = f64::MAX;
        for _ in 0..3 {
            let file = std::fs::File::open(&items).map_err(|e| e.to_string())?;
            let start = std::time::Instant::now();
            let verdicts = tenantrun::expect::judge::judge_objects(
                &expect,
                std::io::BufReader::with_capacity(64 * 1024, file),
            )?;
            best = best.min(start.elapsed().as_secs_f64());
            if verdicts.len() != 10 || verdicts[3].objects_checked != objects as u64 {
                return Err(format!("judge: unexpected verdicts {verdicts:?}"));
            }
        }
        let rate = objects as f64 / best;
        self.row(
            &format!("objects judged per second, {objects} Get-Mailbox objects x 10 checks (parse + judge, one pass)"),
            format!("**{rate:.0}** objects/s ({:.3} s)", best),
            "—",
            None,
        );

        // 2. A run with 10 checks per step against the same run without.
        let (n, c) = if self.quick { (200, 64) } else { (2_000, 64) };
        let emu = self.emulator(EmulatorConfig::default())?;
        let base = scenario::base_yaml(emu.base_url().as_str(), c, &STEPS);
        let mut with = base.clone();
        for (k, step) in STEPS.iter().enumerate() {
            with = with.replace(
                &format!("    - {step}\n"),
                &format!("    - cmdlet: {step}\n      expect:\n{}", ten_checks(&format!("S{k}"))),
            );
        }
        let mut tenants = String::from("tenants:\n");
        for i in 1..=n {
            let _ = writeln!(tenants, "  - id: {}", scenario::tenant_id(i));
        }
        let mut costs = Vec::new();
        for (label, text) in [("without", &base), ("with", &with)] {
            let path = dir.join(format!("{label}.yaml"));
            std::fs::write(&path, format!("{text}{tenants}")).map_err(|e| e.to_string())?;
            let out = dir.join(format!("out-{label}"));
            let args: Vec<String> = vec![
                "run".into(),
                path.display().to_string(),
                "--progress".into(),
                "none".into(),
                "-o".into(),
                out.display().to_string(),
            ];
            let cost = measure::median_wall(&self.bin, &args, &[(SECRET_ENV, SECRET)], &dir, label, 3)?;
            if cost.exit_code != 0 && cost.exit_code != 3 {
                return Err(format!("checks-{label}: exit {} (logs in {})", cost.exit_code, dir.display()));
            }
            costs.push(cost);
        }
        let (a, b) = (costs[0], costs[1]);
        let overhead = (b.wall.as_secs_f64() / a.wall.as_secs_f64() - 1.0) * 100.0;
        let cpu = (b.cpu.as_secs_f64() / a.cpu.as_secs_f64() - 1.0) * 100.0;
        self.row(
            &format!("run with 10 checks per step vs none, N={n} M=3 C={c} (median of 3)"),
            format!(
                "wall {:.2} s vs {:.2} s = **{overhead:+.1}%**, CPU {cpu:+.1}%",
                b.wall.as_secs_f64(),
                a.wall.as_secs_f64()
            ),
            "≤ +10%",
            Some(overhead <= 10.0),
        );
        Ok(())
    }
}
