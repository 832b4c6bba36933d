//! The top level of one file: `version`, `environments`, `defaults`, and the
//! dispatch to identities, tenants and commands.

use super::decl::{DefaultsDecl, FileDecl};
use super::walk::{Checker, Sp};
use super::{commands, identity, tenant};
use crate::environment::Environment;
use crate::profile::document::EnvironmentDoc;
use crate::profile::duration::parse_duration;
use crate::profile::model::Service;
use crate::profile::syntax::{Node, Value};
use std::path::Path;

pub const TOP_KEYS: &[&str] = &[
    "version",
    "environments",
    "identities",
    "defaults",
    "tenants",
    "tenant_sources",
    "commands",
    "exemptions",
];
pub const ENVIRONMENT_KEYS: &[&str] = &[
    "authority",
    "exchange",
    "compliance",
    "compliance_region",
    "resource_exchange",
    "resource_compliance",
    "graph",
    "resource_graph",
    "ca_file",
];
pub const DEFAULTS_KEYS: &[&str] =
    &["environment", "identity", "service", "concurrency", "timeout", "step_timeout", "retries", "read_only"];

/// Check one parsed file. `base` is the file's folder, for relative paths.
pub fn check(ck: &mut Checker<'_>, root: &Node, base: &Path) -> FileDecl {
    let mut decl = FileDecl::default();
    if root.value == Value::Null {
        ck.error(root.pos, "the profile is empty")
            .set_hint_in("start it with `version: 1`", "start it with `version = 1`");
        return decl;
    }
    let Some(mut top) = ck.table(root, "profile", TOP_KEYS) else {
        return decl;
    };
    // An empty section (`tenants:` with every entry commented out) is no section
    // (every top-level key but `version`).
    top.drop_nulls(&TOP_KEYS[1..]);
    match top.get("version") {
        None => {
            ck.error(top.pos, "the profile has no `version`")
                .set_hint_in("add `version: 1` at the top", "add `version = 1` at the top");
        }
        Some(n) if n.value == Value::Int(1) => {}
        Some(n) => {
            let shown = match &n.value {
                Value::Int(i) => i.to_string(),
                Value::Float(f) => f.to_string(),
                Value::Str(s) => format!("\"{s}\""),
                other => format!("({})", other.kind()),
            };
            ck.error(n.pos, format!("unsupported profile version {shown}"))
                .set_hint_in("this tenantrun reads `version: 1`", "this tenantrun reads `version = 1`");
        }
    }
    for (key, names) in [
        ("environments", &mut decl.written.environments),
        ("identities", &mut decl.written.identities),
        ("commands", &mut decl.written.commands),
    ] {
        if let Some(Value::Map(entries)) = top.get(key).map(|n| &n.value) {
            names.extend(entries.iter().map(|(k, _)| k.name.clone()));
        }
    }
    if let Some(Value::Map(entries)) = top.get("defaults").map(|n| &n.value) {
        decl.written.default_environment = entries.iter().any(|(k, _)| k.name == "environment");
        decl.written.default_identity = entries.iter().any(|(k, _)| k.name == "identity");
    }
    if let Some(n) = top.get("environments") {
        decl.environments = environments(ck, n, base);
    }
    if let Some(n) = top.get("identities") {
        decl.identities = identity::identities(ck, n, base);
    }
    if let Some(n) = top.get("defaults") {
        decl.defaults = defaults(ck, n);
    }
    if let Some(n) = top.get("tenants") {
        decl.tenants = tenant::tenants(ck, n);
    }
    if let Some(n) = top.get("tenant_sources") {
        decl.tenant_sources = super::source::sources(ck, n, base);
    }
    if let Some(n) = top.get("commands") {
        decl.commands = commands::commands(ck, n, &mut decl.written.expect_failed);
    }
    if let Some(n) = top.get("exemptions") {
        decl.exemptions = super::exemption::exemptions(ck, n);
    }
    decl
}

/// A named map (`environments`, `identities`, `commands`): its names and value nodes.
pub fn named<'n>(ck: &mut Checker<'_>, node: &'n Node, path: &str) -> Vec<(Sp<String>, &'n Node)> {
    let Value::Map(entries) = &node.value else {
        ck.wrong_type(node, path, "a table of names");
        return Vec::new();
    };
    let mut out: Vec<(Sp<String>, &'n Node)> = Vec::new();
    for (key, value) in entries {
        if let Some((first, _)) = out.iter().find(|(n, _)| n.value == key.name) {
            let note = crate::profile::diagnostic::Location::at(ck.src, first.pos);
            ck.error(key.pos, format!("`{path}.{}` is defined twice", key.name)).notes.push(
                crate::profile::diagnostic::Note { message: "first defined here".into(), location: note },
            );
            continue;
        }
        if !super::rules::is_simple_name(&key.name) {
            ck.error(key.pos, format!("`{}` is not a valid name in `{path}`", key.name)).hint =
                Some("use letters, digits, `-`, `_` and `.`".into());
            continue;
        }
        out.push((Sp { value: key.name.clone(), pos: key.pos }, value));
    }
    out
}

fn environments(ck: &mut Checker<'_>, node: &Node, base: &Path) -> Vec<(Sp<String>, Environment)> {
    let mut out = Vec::new();
    for (name, value) in named(ck, node, "environments") {
        let path = format!("environments.{}", name.value);
        if name.value == crate::environment::EMULATOR {
            ck.error(name.pos, "`environments.emulator` cannot be redeclared: it is the built-in emulator")
                .set_hint_in(
                    "to use an emulator you started yourself, declare it under another name, e.g. `local:`",
                    "to use an emulator you started yourself, declare it under another name, e.g. \
                     `[environments.local]`",
                );
            continue;
        }
        let Some(t) = ck.table(value, &path, ENVIRONMENT_KEYS) else { continue };
        let authority =
            ck.required(&t, &path, "authority").and_then(|n| ck.string(n, &format!("{path}.authority")));
        let mut doc = EnvironmentDoc::default();
        let mut ok = authority.is_some();
        doc.authority = authority.map(|a| a.value).unwrap_or_default();
        for (key, slot) in [
            ("exchange", &mut doc.exchange),
            ("compliance", &mut doc.compliance),
            ("compliance_region", &mut doc.compliance_region),
            ("resource_exchange", &mut doc.resource_exchange),
            ("resource_compliance", &mut doc.resource_compliance),
            ("graph", &mut doc.graph),
            ("resource_graph", &mut doc.resource_graph),
            ("ca_file", &mut doc.ca_file),
        ] {
            if let Some(n) = t.get(key) {
                match ck.string(n, &format!("{path}.{key}")) {
                    Some(s) => *slot = Some(s.value),
                    None => ok = false,
                }
            }
        }
        // Each URL on its own, so every bad one is reported.
        for (field, value) in [
            ("authority", Some(&doc.authority)),
            ("exchange", doc.exchange.as_ref()),
            ("compliance", doc.compliance.as_ref()),
            ("resource_exchange", doc.resource_exchange.as_ref()),
            ("resource_compliance", doc.resource_compliance.as_ref()),
            ("graph", doc.graph.as_ref()),
            ("resource_graph", doc.resource_graph.as_ref()),
        ] {
            let Some(value) = value.filter(|v| !v.is_empty()) else { continue };
            if let Err(reason) = crate::environment::normalize_base_url(value) {
                let pos = t.get(field).map(|n| n.pos).unwrap_or(t.pos);
                ck.error(pos, format!("`{path}.{field}` is not a valid URL: {reason}"))
                    .set_hint("write an absolute http(s) URL, e.g. `https://login.microsoftonline.com`");
                ok = false;
            }
        }
        if let Some(region) = &doc.compliance_region {
            let pos = t.get("compliance_region").map(|n| n.pos).unwrap_or(t.pos);
            if !region.contains("{region}") {
                ck.error(pos, format!("`{path}.compliance_region` has no `{{region}}` placeholder"))
                    .set_hint("write e.g. `https://{region}.ps.compliance.protection.outlook.com`");
                ok = false;
            } else if let Err(reason) =
                crate::environment::normalize_base_url(&region.replace("{region}", "region"))
            {
                ck.error(pos, format!("`{path}.compliance_region` is not a valid URL: {reason}"))
                    .set_hint("write e.g. `https://{region}.ps.compliance.protection.outlook.com`");
                ok = false;
            }
        }
        if !ok {
            continue;
        }
        match Environment::from_doc(&name.value, &doc, base) {
            Ok(env) => out.push((name, env)),
            Err(err) => {
                let field = match &err {
                    crate::environment::EnvironmentError::BadUrl { field, .. } => *field,
                    crate::environment::EnvironmentError::RegionTemplate => "compliance_region",
                };
                let pos = t.get(field).map(|n| n.pos).unwrap_or(t.pos);
                ck.error(pos, format!("`{path}.{field}`: {err}")).hint = Some(match field {
                    "compliance_region" => {
                        "write e.g. `https://{region}.ps.compliance.protection.outlook.com`".into()
                    }
                    _ => "write an absolute http(s) URL, e.g. `https://login.microsoftonline.com`".into(),
                });
            }
        }
    }
    out
}

fn defaults(ck: &mut Checker<'_>, node: &Node) -> DefaultsDecl {
    let path = "defaults";
    let mut d = DefaultsDecl::default();
    let Some(t) = ck.table(node, path, DEFAULTS_KEYS) else { return d };
    d.environment = ck.opt_string(&t, path, "environment");
    d.identity = ck.opt_string(&t, path, "identity");
    if let Some(n) = t.get("service") {
        d.service = service(ck, n, "defaults.service");
    }
    d.concurrency =
        ck.opt_int(&t, path, "concurrency", 1, 10_000).map(|s| Sp { value: s.value as usize, pos: s.pos });
    d.retries = ck.opt_int(&t, path, "retries", 0, 100).map(|s| Sp { value: s.value as u32, pos: s.pos });
    d.read_only = ck.opt_bool(&t, path, "read_only");
    if let Some(n) = t.get("timeout") {
        d.timeout = duration(ck, n, "defaults.timeout");
    }
    if let Some(n) = t.get("step_timeout") {
        d.step_timeout = duration(ck, n, "defaults.step_timeout");
    }
    d
}

/// `compliance` or `exchange`.
pub fn service(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Sp<Service>> {
    let s = ck.string(node, path)?;
    match s.value.as_str() {
        "compliance" => Some(Sp { value: Service::Compliance, pos: s.pos }),
        "exchange" => Some(Sp { value: Service::Exchange, pos: s.pos }),
        other => {
            let hint = match crate::profile::diagnostic::did_you_mean(other, ["compliance", "exchange"]) {
                Some(m) => format!("did you mean `{m}`?"),
                None => "use `compliance` (Security & Compliance) or `exchange` (Exchange Online)".into(),
            };
            ck.error(s.pos, format!("unknown service `{other}` in `{path}`")).hint = Some(hint);
            None
        }
    }
}

/// `90s`, `2m`, `1h`.
pub fn duration(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Sp<std::time::Duration>> {
    if let Value::Int(_) = node.value {
        ck.wrong_type(node, path, "a duration such as `120s`");
        ck.diags.last_mut()?.hint = Some("write the unit: `120s`, `2m` or `1h`".into());
        return None;
    }
    let s = ck.string(node, path)?;
    match parse_duration(&s.value) {
        Ok(d) if d.is_zero() => {
            ck.error(s.pos, format!("`{path}` must be longer than zero"));
            None
        }
        Ok(d) => Some(Sp { value: d, pos: s.pos }),
        Err(e) => {
            let (message, hint) = match e.split_once(" (hint: ") {
                Some((m, h)) => (m.to_string(), Some(h.trim_end_matches(')').to_string())),
                None => (e, None),
            };
            ck.error(s.pos, format!("`{path}`: {message}")).hint =
                hint.or(Some("write e.g. `90s`, `2m` or `1h`".into()));
            None
        }
    }
}
