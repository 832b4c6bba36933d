//! The diff as one static HTML page (no script, no external assets): the table's
//! content with `+`/`-`/`~` rows coloured, every value escaped.

use super::change::*;
use super::render_text::{object_name, value_text};
use crate::report::escape::xml_text as h;
use crate::report::run_view::RunView;
use std::io::{self, Write};

pub struct HtmlSink<'a> {
    out: &'a mut dyn Write,
    open: bool,
}

impl<'a> HtmlSink<'a> {
    pub fn new(out: &'a mut dyn Write) -> Self {
        HtmlSink { out, open: false }
    }
}

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:24px;color:#1f2328}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:2px 6px;text-align:left}\
.add{color:#1a7f37}.del{color:#cf222e}.chg{color:#9a6700}pre{margin:0;white-space:pre-wrap}";

impl DiffSink for HtmlSink<'_> {
    fn begin(&mut self, o: &Overview) -> io::Result<()> {
        write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
             <title>tenantrun diff</title><style>{STYLE}</style></head><body>\n<h1>tenantrun diff {} → {}</h1>\n",
            h(&o.old),
            h(&o.new)
        )?;
        for (class, sign, list, what) in
            [("add", '+', &o.tenants_added, "added"), ("del", '-', &o.tenants_removed, "removed")]
        {
            for t in list {
                writeln!(
                    self.out,
                    "<p class=\"{class} tenant-{what}\">{sign} tenant {} {what}</p>",
                    h(&RunView::label(&t.id, t.name.as_deref()))
                )?;
            }
        }
        Ok(())
    }

    fn object(&mut self, step: &StepId, change: &ObjectChange) -> io::Result<()> {
        if !self.open {
            self.open = true;
            writeln!(
                self.out,
                "<h2>{} {}[{}] {}</h2>\n<table class=\"step\">",
                h(&RunView::label(&step.tenant, step.tenant_name.as_deref())),
                h(&step.command),
                step.step,
                h(&step.cmdlet)
            )?;
        }
        match change {
            ObjectChange::Added { key, object } => {
                writeln!(
                    self.out,
                    "<tr class=\"add\"><td>+</td><td colspan=\"3\">{}</td></tr>",
                    h(&object_name(key, Some(object)))
                )
            }
            ObjectChange::Removed { key, object } => {
                writeln!(
                    self.out,
                    "<tr class=\"del\"><td>-</td><td colspan=\"3\">{}</td></tr>",
                    h(&object_name(key, Some(object)))
                )
            }
            ObjectChange::Changed { key, changes } => {
                writeln!(
                    self.out,
                    "<tr class=\"chg\"><td>~</td><td colspan=\"3\">{}</td></tr>",
                    h(&object_name(key, None))
                )?;
                for (path, (old, new)) in changes {
                    writeln!(
                        self.out,
                        "<tr><td></td><td>{}</td><td class=\"del\"><pre>{}</pre></td><td class=\"add\"><pre>{}</pre></td></tr>",
                        h(path),
                        h(&value_text(old)),
                        h(&value_text(new))
                    )?;
                }
                Ok(())
            }
        }
    }

    fn end_step(&mut self) -> io::Result<()> {
        self.open = false;
        writeln!(self.out, "</table>")
    }

    fn finish(&mut self, o: &Overview, t: &Totals) -> io::Result<()> {
        if !o.checks.is_empty() {
            writeln!(self.out, "<h2>Checks</h2>\n<table id=\"checks\"><tr><th>Change</th><th>Check</th><th>Tenant</th><th>Old</th><th>New</th></tr>")?;
            for c in &o.checks {
                writeln!(
                    self.out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    c.transition(),
                    h(&c.check),
                    h(&RunView::label(&c.tenant, c.tenant_name.as_deref())),
                    c.old.map_or("-", |s| s.as_str()),
                    c.new.map_or("-", |s| s.as_str())
                )?;
            }
            writeln!(self.out, "</table>")?;
        }
        if !o.not_comparable.is_empty() {
            writeln!(self.out, "<h2>Not comparable</h2>\n<ul id=\"not-comparable\">")?;
            for n in &o.not_comparable {
                writeln!(
                    self.out,
                    "<li>{} {}[{}] {}: {}</li>",
                    h(&RunView::label(&n.tenant, n.tenant_name.as_deref())),
                    h(&n.command),
                    n.step,
                    h(&n.cmdlet),
                    h(&n.why)
                )?;
            }
            writeln!(self.out, "</ul>")?;
        }
        writeln!(
            self.out,
            "<p id=\"totals\">{} added, {} changed, {} removed in {} steps; tenants {} added, {} removed; {} check changes, {} still failing; {} steps not comparable.</p>\n</body></html>",
            t.added, t.changed, t.removed, t.steps_changed, t.tenants_added, t.tenants_removed, t.check_changes, t.still_failing, t.not_comparable
        )
    }
}
