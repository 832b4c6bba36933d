//! `kind: file` sources: a CSV (`id,name,tags,identity,environment`, tags `;`-separated,
//! an empty cell is unset) or a YAML/JSON list of tenant entries (or a `tenants:` file
//! such as `tenantrun tenants --write` produces). A bad row is a located error.

use super::{Discovered, SourceError, SourceOutcome};
use crate::profile::check::rules::{is_simple_name, is_tenant_id};
use crate::profile::check::{Checker, Sp};
use crate::profile::diagnostic::{did_you_mean, Diagnostic};
use crate::profile::syntax::{Pos, Source, Value};
use crate::profile::{Profile, TenantSource};
use std::collections::HashSet;
use std::path::Path;

/// CSV columns.
pub const COLUMNS: &[&str] = &["id", "name", "tags", "identity", "environment"];
/// Largest file read.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Read the tenants of a file source.
pub fn read(source: &TenantSource, path: &Path, profile: &Profile) -> Result<SourceOutcome, SourceError> {
    let unreadable =
        |message: String| SourceError::Unreadable { name: source.name.clone(), kind: "file", message };
    let size = std::fs::metadata(path)
        .map_err(|e| unreadable(format!("cannot read {}: {e}", path.display())))?
        .len();
    if size > MAX_BYTES {
        return Err(unreadable(format!("{} is larger than 64 MiB", path.display())));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| unreadable(format!("cannot read {}: {e}", path.display())))?;
    let src = Source::new(path.to_path_buf(), text);
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut refs = Refs { profile, src: &src, diags: Vec::new(), seen: HashSet::new() };
    let tenants = if is_csv { refs.csv() } else { refs.yaml() };
    if refs.diags.is_empty() {
        return Ok(SourceOutcome { tenants, excluded: Vec::new() });
    }
    let report = crate::profile::LoadError::new(refs.diags).to_string();
    Err(SourceError::BadFile { name: source.name.clone(), report })
}

struct Refs<'a> {
    profile: &'a Profile,
    src: &'a Source,
    diags: Vec<Diagnostic>,
    seen: HashSet<String>,
}

impl Refs<'_> {
    fn error(&mut self, pos: Pos, message: String, hint: Option<String>) {
        let mut d = Diagnostic::at(self.src, pos, message);
        d.hint = hint;
        self.diags.push(d);
    }

    /// A row's identity, environment and id (not seen before) are valid.
    fn check_refs(
        &mut self,
        id: &Sp<String>,
        identity: Option<&Sp<String>>,
        environment: Option<&Sp<String>>,
    ) -> bool {
        let before = self.diags.len();
        if !self.seen.insert(id.value.clone()) {
            self.error(
                id.pos,
                format!("tenant `{}` is listed twice", id.value),
                Some("keep one row per tenant".into()),
            );
        }
        if let Some(i) = identity {
            let builtin = i.value == crate::profile::builtin_identity::NAME;
            if !self.profile.identities.contains_key(&i.value) && !builtin {
                let hint = did_you_mean(&i.value, self.profile.identities.keys().map(String::as_str))
                    .map(|m| format!("did you mean `{m}`?"))
                    .or_else(|| Some("declare it under `identities:` in the profile".into()));
                self.error(i.pos, format!("unknown identity `{}`", i.value), hint);
            }
        }
        if let Some(e) = environment {
            if !self.profile.environments.contains_key(&e.value) {
                let hint = did_you_mean(&e.value, self.profile.environments.keys().map(String::as_str))
                    .map(|m| format!("did you mean `{m}`?"));
                self.error(e.pos, format!("unknown environment `{}`", e.value), hint);
            }
        }
        self.diags.len() == before
    }

    fn csv(&mut self) -> Vec<Discovered> {
        let line_pos =
            |src: &Source, line: usize| Pos::new(line, 1, src.line(line).map_or(1, |l| l.len().max(1)));
        let records = match super::csv::parse(&self.src.text) {
            Ok(r) => r,
            Err(e) => {
                self.error(line_pos(self.src, e.line), format!("not valid CSV: {}", e.message), None);
                return Vec::new();
            }
        };
        let Some((header, rows)) = records.split_first() else {
            self.error(
                line_pos(self.src, 1),
                "the file is empty".into(),
                Some(format!("start it with the header `{}`", COLUMNS.join(","))),
            );
            return Vec::new();
        };
        let columns: Vec<String> = header.fields.iter().map(|f| f.trim().to_ascii_lowercase()).collect();
        for c in &columns {
            if !COLUMNS.contains(&c.as_str()) {
                let hint = did_you_mean(c, COLUMNS.iter().copied())
                    .map(|m| format!("did you mean `{m}`?"))
                    .unwrap_or_else(|| format!("the columns are {}", COLUMNS.join(",")));
                self.error(line_pos(self.src, header.line), format!("unknown column `{c}`"), Some(hint));
            }
        }
        let Some(id_col) = columns.iter().position(|c| c == "id") else {
            self.error(
                line_pos(self.src, header.line),
                "the header has no `id` column".into(),
                Some(format!("write the header `{}`", COLUMNS.join(","))),
            );
            return Vec::new();
        };
        if !self.diags.is_empty() {
            return Vec::new();
        }
        let col = |name: &str| columns.iter().position(|c| c == name);
        let mut out = Vec::new();
        for row in rows {
            let pos = line_pos(self.src, row.line);
            if row.fields.len() != columns.len() {
                self.error(
                    pos,
                    format!("the row has {} fields, the header {}", row.fields.len(), columns.len()),
                    None,
                );
                continue;
            }
            let cell =
                |name: &str| col(name).map(|i| row.fields[i].trim().to_string()).filter(|v| !v.is_empty());
            let raw_id = row.fields[id_col].trim().to_ascii_lowercase();
            if !is_tenant_id(&raw_id) {
                self.error(
                    pos,
                    format!("`{raw_id}` is not a tenant id"),
                    Some("use a verified domain or the tenant GUID".into()),
                );
                continue;
            }
            let tags: Vec<String> = cell("tags")
                .map(|t| t.split(';').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            if let Some(bad) = tags.iter().find(|t| !is_simple_name(t)) {
                self.error(
                    pos,
                    format!("tag `{bad}` cannot be selected with `-t tag:NAME`"),
                    Some("use letters, digits, `-`, `_` and `.`".into()),
                );
                continue;
            }
            let sp = |value: String| Sp { value, pos };
            let identity = cell("identity").map(sp);
            let environment = cell("environment").map(sp);
            if !self.check_refs(&sp(raw_id.clone()), identity.as_ref(), environment.as_ref()) {
                continue;
            }
            out.push(Discovered {
                id: raw_id,
                name: cell("name"),
                tags,
                identity: identity.map(|s| s.value),
                environment: environment.map(|s| s.value),
                ..Discovered::default()
            });
        }
        out
    }

    fn yaml(&mut self) -> Vec<Discovered> {
        let root = match crate::profile::syntax::yaml::parse(&self.src.text) {
            Ok(n) => n,
            Err(e) => {
                let pos = e.pos.unwrap_or(Pos { line: 1, col: 1, len: 1 });
                self.error(pos, format!("not valid YAML/JSON: {}", e.message), e.hint);
                return Vec::new();
            }
        };
        let mut ck = Checker::new(self.src);
        let list = match &root.value {
            Value::Map(_) => {
                ck.table(&root, "file", &["version", "tenants"]).and_then(|t| t.get("tenants").cloned())
            }
            _ => Some(root),
        };
        let decls = match list {
            Some(node) => crate::profile::check::tenant::tenants(&mut ck, &node),
            None => {
                ck.error(Pos { line: 1, col: 1, len: 1 }, "the file has no `tenants:` list");
                Vec::new()
            }
        };
        self.diags.append(&mut ck.diags);
        let mut out = Vec::new();
        for t in decls {
            if !self.check_refs(&t.id, t.identity.as_ref(), t.environment.as_ref()) {
                continue;
            }
            out.push(Discovered {
                id: t.id.value,
                name: t.name,
                tags: t.tags,
                identity: t.identity.map(|s| s.value),
                environment: t.environment.map(|s| s.value),
                ..Discovered::default()
            });
        }
        out
    }
}
