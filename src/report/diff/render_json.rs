//! The diff as JSON (SPEC §8's shape), written as it is found: a step's added objects
//! go straight out, its removed and changed ones wait in two anonymous temporary files
//! until the step ends, so no step is ever held in memory.

use super::change::*;
use serde_json::{json, Map, Value};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};

pub struct JsonSink<'a> {
    out: &'a mut dyn Write,
    steps: u64,
    step: Option<OpenStep>,
}

/// The step being written: whether an added object was written, and the spools.
struct OpenStep {
    added: u64,
    removed: Spool,
    changed: Spool,
}

/// JSON values one per line in an anonymous temporary file.
struct Spool {
    file: BufWriter<File>,
}

impl Spool {
    fn new() -> io::Result<Spool> {
        Ok(Spool { file: BufWriter::new(tempfile::tempfile()?) })
    }

    fn push(&mut self, v: &Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.file, v).map_err(io::Error::other)?;
        self.file.write_all(b"\n")
    }

    /// Write the spooled values as the items of a JSON array (without brackets).
    fn drain_into(self, out: &mut dyn Write) -> io::Result<()> {
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        for (i, line) in BufReader::new(file).lines().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(line?.as_bytes())?;
        }
        Ok(())
    }
}

impl<'a> JsonSink<'a> {
    pub fn new(out: &'a mut dyn Write) -> Self {
        JsonSink { out, steps: 0, step: None }
    }
}

fn text(v: &impl serde::Serialize) -> io::Result<String> {
    serde_json::to_string(v).map_err(io::Error::other)
}

impl DiffSink for JsonSink<'_> {
    fn begin(&mut self, o: &Overview) -> io::Result<()> {
        let ids = |list: &[TenantRef]| list.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        let tenants = json!({"added": ids(&o.tenants_added), "removed": ids(&o.tenants_removed)});
        write!(
            self.out,
            "{{\"old\":{},\"new\":{},\"tenants\":{},\"steps\":[",
            text(&o.old)?,
            text(&o.new)?,
            text(&tenants)?
        )
    }

    fn object(&mut self, step: &StepId, change: &ObjectChange) -> io::Result<()> {
        if self.step.is_none() {
            if self.steps > 0 {
                self.out.write_all(b",")?;
            }
            let head = json!({"tenant": step.tenant, "command": step.command, "step": step.step, "cmdlet": step.cmdlet});
            let head = text(&head)?;
            // The head object without its closing brace, then the added objects.
            write!(self.out, "{},\"added\":[", &head[..head.len() - 1])?;
            self.step = Some(OpenStep { added: 0, removed: Spool::new()?, changed: Spool::new()? });
        }
        let Some(open) = self.step.as_mut() else { return Ok(()) };
        match change {
            ObjectChange::Added { object, .. } => {
                if open.added > 0 {
                    self.out.write_all(b",")?;
                }
                open.added += 1;
                self.out.write_all(text(object)?.as_bytes())
            }
            ObjectChange::Removed { object, .. } => open.removed.push(&Value::Object(object.clone())),
            ObjectChange::Changed { key, changes } => {
                let mut by_path = Map::new();
                for (path, (old, new)) in changes {
                    by_path.insert(path.clone(), json!({"old": old, "new": new}));
                }
                open.changed.push(&json!({"key": key, "changes": by_path}))
            }
        }
    }

    fn end_step(&mut self) -> io::Result<()> {
        let Some(open) = self.step.take() else { return Ok(()) };
        self.out.write_all(b"],\"removed\":[")?;
        open.removed.drain_into(self.out)?;
        self.out.write_all(b"],\"changed\":[")?;
        open.changed.drain_into(self.out)?;
        self.out.write_all(b"]}")?;
        self.steps += 1;
        Ok(())
    }

    fn finish(&mut self, o: &Overview, _totals: &Totals) -> io::Result<()> {
        let status = |s: Option<crate::expect::CheckStatus>| s.map(|s| s.as_str());
        let checks: Vec<Value> = o
            .checks
            .iter()
            .map(
                |c| json!({"tenant": c.tenant, "check": c.check, "old": status(c.old), "new": status(c.new)}),
            )
            .collect();
        let not_comparable: Vec<Value> = o
            .not_comparable
            .iter()
            .map(|n| json!({"tenant": n.tenant, "command": n.command, "step": n.step, "why": n.why}))
            .collect();
        writeln!(self.out, "],\"checks\":{},\"not_comparable\":{}}}", text(&checks)?, text(&not_comparable)?)
    }
}
