//! JUnit XML (SPEC §8) for CI systems: a `<testsuite>` per tenant, a `<testcase>` per
//! step and per check; `<failure>` for a failed step or check, `<error>` for a check in
//! error, `<skipped>` for a skipped, not run or exempt one. Written element by element.

use super::escape::{xml_attr, xml_text};
use super::run_view::{RunView, StepState, StepView, TenantView};
use crate::expect::{CheckRecord, CheckStatus};
use std::io::{self, Write};

/// Counts of one suite (or of all suites).
#[derive(Default, Clone, Copy)]
struct Tally {
    tests: u64,
    failures: u64,
    errors: u64,
    skipped: u64,
    time_ms: u64,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.tests += o.tests;
        self.failures += o.failures;
        self.errors += o.errors;
        self.skipped += o.skipped;
        self.time_ms += o.time_ms;
    }

    fn attrs(&self) -> String {
        format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"",
            self.tests,
            self.failures,
            self.errors,
            self.skipped,
            seconds(self.time_ms)
        )
    }
}

/// Write the whole document.
pub fn write(view: &RunView, out: &mut dyn Write) -> io::Result<()> {
    let mut total = Tally::default();
    for t in &view.tenants {
        total.add(tally(view, t));
    }
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(out, "<testsuites name=\"tenantrun {}\" {}>", xml_attr(&view.summary.run_id), total.attrs())?;
    for (n, t) in view.tenants.iter().enumerate() {
        suite(view, t, n, out)?;
    }
    writeln!(out, "</testsuites>")
}

fn tally(view: &RunView, t: &TenantView) -> Tally {
    let mut c = Tally::default();
    for s in &t.steps {
        c.tests += 1;
        c.time_ms += view.record(s).map_or(0, |r| r.duration_ms);
        match view.state(s) {
            StepState::Ok => {}
            StepState::Failed => c.failures += 1,
            StepState::Skipped | StepState::NotRun => c.skipped += 1,
        }
    }
    for &i in &t.checks {
        c.tests += 1;
        match view.checks[i].status {
            CheckStatus::Pass => {}
            CheckStatus::Fail => c.failures += 1,
            CheckStatus::Error => c.errors += 1,
            CheckStatus::Exempt => c.skipped += 1,
        }
    }
    c
}

fn suite(view: &RunView, t: &TenantView, n: usize, out: &mut dyn Write) -> io::Result<()> {
    let label = RunView::label(&t.id, t.name.as_deref());
    writeln!(
        out,
        "  <testsuite name=\"{}\" id=\"{n}\" package=\"tenantrun\" timestamp=\"{}\" hostname=\"{}\" {}>",
        xml_attr(&label),
        xml_attr(&view.summary.started_at),
        xml_attr(&t.id),
        tally(view, t).attrs()
    )?;
    writeln!(out, "    <properties>")?;
    property(out, "tenant", &t.id)?;
    if let Some(name) = &t.name {
        property(out, "tenant_name", name)?;
    }
    if !t.tags.is_empty() {
        property(out, "tags", &t.tags.join(","))?;
    }
    property(out, "status", &t.status)?;
    writeln!(out, "    </properties>")?;
    for s in &t.steps {
        step_case(view, t, s, out)?;
    }
    for &i in &t.checks {
        check_case(t, &view.checks[i], out)?;
    }
    writeln!(out, "  </testsuite>")
}

fn property(out: &mut dyn Write, name: &str, value: &str) -> io::Result<()> {
    writeln!(out, "      <property name=\"{}\" value=\"{}\"/>", xml_attr(name), xml_attr(value))
}

fn step_case(view: &RunView, t: &TenantView, s: &StepView, out: &mut dyn Write) -> io::Result<()> {
    let record = view.record(s);
    write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
        xml_attr(&format!("{}[{}] {}", s.command, s.step, s.cmdlet)),
        xml_attr(&format!("{}.{}", t.id, s.command)),
        seconds(record.map_or(0, |r| r.duration_ms))
    )?;
    let state = view.state(s);
    if state == StepState::Ok {
        return writeln!(out, "/>");
    }
    writeln!(out, ">")?;
    let error = record.and_then(|r| r.error.as_ref());
    let message = match error {
        Some(e) => format!("{}: {}", e.kind.as_str(), e.message),
        None => state.as_str().to_string(),
    };
    match state {
        StepState::Failed => {
            let mut body = message.clone();
            if let (Some(e), Some(r)) = (error, record) {
                body = format!(
                    "kind: {}\nstatus: {}\ncode: {}\nattempts: {}\nmessage: {}",
                    e.kind.as_str(),
                    e.status.map_or_else(|| "-".to_string(), |s| s.to_string()),
                    e.code.as_deref().unwrap_or("-"),
                    r.attempts,
                    e.message
                );
            }
            writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml_attr(&message),
                xml_attr(error.map_or("failed", |e| e.kind.as_str())),
                xml_text(&body)
            )?;
        }
        _ => writeln!(out, "      <skipped message=\"{}\"/>", xml_attr(&message))?,
    }
    if let Some(r) = record.filter(|r| !r.warnings.is_empty()) {
        writeln!(out, "      <system-out>{}</system-out>", xml_text(&r.warnings.join("\n")))?;
    }
    writeln!(out, "    </testcase>")
}

fn check_case(t: &TenantView, c: &CheckRecord, out: &mut dyn Write) -> io::Result<()> {
    let name = match &c.title {
        Some(title) => format!("{} {title}", c.check),
        None => c.check.clone(),
    };
    write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
        xml_attr(&name),
        xml_attr(&format!("{}.checks.{}", t.id, c.command))
    )?;
    let failing = if c.failing.is_empty() {
        String::new()
    } else {
        format!("\nfailing ({} of {}): {}", c.failing.len(), c.objects_failing, c.failing.join(", "))
    };
    match c.status {
        CheckStatus::Pass => return writeln!(out, "/>"),
        CheckStatus::Fail => writeln!(
            out,
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>",
            xml_attr(&c.detail),
            c.severity.as_str(),
            xml_text(&format!("{}{failing}", c.detail))
        )?,
        CheckStatus::Error => writeln!(
            out,
            ">\n      <error message=\"{}\" type=\"{}\">{}</error>",
            xml_attr(&c.detail),
            c.severity.as_str(),
            xml_text(&c.detail)
        )?,
        CheckStatus::Exempt => {
            let why = match &c.exemption {
                Some(e) => {
                    format!("exempt until {}: {} (outcome: {})", e.expires, e.reason, c.outcome.as_str())
                }
                None => format!("exempt (outcome: {})", c.outcome.as_str()),
            };
            writeln!(out, ">\n      <skipped message=\"{}\"/>", xml_attr(&why))?
        }
    }
    writeln!(out, "    </testcase>")
}

/// Milliseconds as JUnit's decimal seconds.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}
