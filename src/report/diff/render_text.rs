//! The diff as text: a terraform-plan-like table for the terminal (`+` added, `-`
//! removed, `~` changed with `old -> new` per property, a count line at the end), or
//! Markdown for a pull-request comment (the same lines in `diff` code blocks, with at
//! most [`MD_CHANGES`] changes per step and [`MD_STEPS`] steps, then counts).

use super::change::*;
use crate::report::escape::markdown as md;
use crate::report::run_view::RunView;
use crate::server_text::clean_line;
use serde_json::{Map, Value};
use std::io::{self, Write};

/// Object changes shown per step in Markdown.
pub const MD_CHANGES: u64 = 50;
/// Steps shown in Markdown.
pub const MD_STEPS: u64 = 100;

pub struct TextSink<'a> {
    out: &'a mut dyn Write,
    markdown: bool,
    /// Changes of the current step so far (0 = its header not written yet).
    in_step: u64,
    steps: u64,
}

impl<'a> TextSink<'a> {
    pub fn new(out: &'a mut dyn Write, markdown: bool) -> Self {
        TextSink { out, markdown, in_step: 0, steps: 0 }
    }

    fn shown(&self) -> bool {
        !self.markdown || (self.steps < MD_STEPS && self.in_step <= MD_CHANGES)
    }
}

/// A value as one line of JSON (strings without quotes), terminal-safe.
pub fn value_text(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    clean_line(&text).into_owned()
}

/// An object named by its key (`Name=Finance`), or by its JSON when it has no key property.
pub fn object_name(key: &Map<String, Value>, object: Option<&Map<String, Value>>) -> String {
    if let Some((k, v)) = key.iter().next() {
        // A GUID key alone says little to a person: add the object's name.
        let name = object.and_then(|o| {
            ["Name", "DisplayName"].iter().find(|n| !n.eq_ignore_ascii_case(k)).and_then(|n| o.get(*n))
        });
        return match name {
            Some(Value::String(n)) => format!("{k}={} ({})", value_text(v), clean_line(n)),
            _ => format!("{k}={}", value_text(v)),
        };
    }
    let json = object.map(|o| Value::Object(o.clone()).to_string()).unwrap_or_default();
    let short: String = json.chars().take(160).collect();
    clean_line(&if short.len() < json.len() { format!("{short}…") } else { short }).into_owned()
}

fn step_title(step: &StepId) -> String {
    format!(
        "{} {}[{}] {}",
        RunView::label(&step.tenant, step.tenant_name.as_deref()),
        step.command,
        step.step,
        step.cmdlet
    )
}

fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

impl DiffSink for TextSink<'_> {
    fn begin(&mut self, o: &Overview) -> io::Result<()> {
        if self.markdown {
            writeln!(self.out, "## tenantrun diff `{}` → `{}`", md(&o.old, 80), md(&o.new, 80))?;
        } else {
            writeln!(self.out, "Comparing {} -> {}", clean_line(&o.old), clean_line(&o.new))?;
        }
        if o.tenants_added.is_empty() && o.tenants_removed.is_empty() {
            return Ok(());
        }
        writeln!(self.out)?;
        let lines = o
            .tenants_added
            .iter()
            .map(|t| ('+', t, "added"))
            .chain(o.tenants_removed.iter().map(|t| ('-', t, "removed")));
        for (sign, t, what) in lines {
            let label = RunView::label(&t.id, t.name.as_deref());
            match self.markdown {
                true => writeln!(self.out, "- {sign} tenant {} {what}", md(&label, 200))?,
                false => writeln!(self.out, "{sign} tenant {} {what}", clean_line(&label))?,
            }
        }
        Ok(())
    }

    fn object(&mut self, step: &StepId, change: &ObjectChange) -> io::Result<()> {
        if self.in_step == 0 {
            if self.markdown && self.steps >= MD_STEPS {
                self.in_step = 1;
                return Ok(());
            }
            match self.markdown {
                true => writeln!(self.out, "\n### {}\n\n```diff", md(&step_title(step), 300))?,
                false => writeln!(self.out, "\n{}", clean_line(&step_title(step)))?,
            }
        }
        self.in_step += 1;
        if !self.shown() {
            return Ok(());
        }
        let fence = |s: String| if self.markdown { s.replace("```", "'''") } else { s };
        match change {
            ObjectChange::Added { key, object } => {
                writeln!(self.out, "{}", fence(format!("  + {}", object_name(key, Some(object)))))?
            }
            ObjectChange::Removed { key, object } => {
                writeln!(self.out, "{}", fence(format!("  - {}", object_name(key, Some(object)))))?
            }
            ObjectChange::Changed { key, changes } => {
                writeln!(self.out, "{}", fence(format!("  ~ {}", object_name(key, None))))?;
                for (path, (old, new)) in changes {
                    let line =
                        format!("      {}: {} -> {}", clean_line(path), value_text(old), value_text(new));
                    writeln!(self.out, "{}", fence(line))?;
                }
            }
        }
        Ok(())
    }

    fn end_step(&mut self) -> io::Result<()> {
        if self.markdown && self.steps < MD_STEPS {
            if self.in_step > MD_CHANGES {
                writeln!(self.out, "  … and {} more", self.in_step - MD_CHANGES)?;
            }
            writeln!(self.out, "```")?;
        }
        self.steps += 1;
        self.in_step = 0;
        Ok(())
    }

    fn finish(&mut self, o: &Overview, t: &Totals) -> io::Result<()> {
        if self.markdown && self.steps > MD_STEPS {
            writeln!(
                self.out,
                "\n… and {} more changed steps.",
                plural(self.steps - MD_STEPS, "").trim_end()
            )?;
        }
        if !o.checks.is_empty() {
            match self.markdown {
                true => writeln!(
                    self.out,
                    "\n### Checks\n\n| Change | Check | Tenant | Old | New |\n|---|---|---|---|---|"
                )?,
                false => writeln!(self.out, "\nChecks")?,
            }
            for c in &o.checks {
                let label = RunView::label(&c.tenant, c.tenant_name.as_deref());
                let old = c.old.map_or("-", |s| s.as_str());
                let new = c.new.map_or("-", |s| s.as_str());
                match self.markdown {
                    true => writeln!(
                        self.out,
                        "| {} | {} | {} | {old} | {new} |",
                        c.transition(),
                        md(&c.check, 80),
                        md(&label, 200)
                    )?,
                    false => writeln!(
                        self.out,
                        "  {:<14} {}  {}  {old} -> {new}",
                        c.transition(),
                        clean_line(&c.check),
                        clean_line(&label)
                    )?,
                }
            }
        }
        if !o.not_comparable.is_empty() {
            writeln!(
                self.out,
                "{}",
                if self.markdown { "\n### Not comparable\n" } else { "\nNot comparable" }
            )?;
            for n in &o.not_comparable {
                let step = StepId {
                    tenant: n.tenant.clone(),
                    tenant_name: n.tenant_name.clone(),
                    command: n.command.clone(),
                    step: n.step,
                    cmdlet: n.cmdlet.clone(),
                };
                match self.markdown {
                    true => writeln!(self.out, "- {}: {}", md(&step_title(&step), 300), n.why)?,
                    false => writeln!(self.out, "  {}: {}", clean_line(&step_title(&step)), n.why)?,
                }
            }
        }
        writeln!(
            self.out,
            "\n{} added, {} changed, {} removed in {}; {} added, {} removed; {}, {} still failing; {} not comparable.",
            plural(t.added, "object"),
            t.changed,
            t.removed,
            plural(t.steps_changed, "step"),
            plural(t.tenants_added, "tenant"),
            t.tenants_removed,
            plural(t.check_changes, "check change"),
            t.still_failing,
            plural(t.not_comparable, "step")
        )
    }
}
