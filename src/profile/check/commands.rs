//! `commands:`: named lists of steps; a step is a bare cmdlet name or a table
//! with `cmdlet`, `service`, `parameters`, `select` and `expect` (see [`super::expect`]).

use super::decl::StepDecl;
use super::document::{named, service};
use super::rules::is_cmdlet;
use super::walk::{Checker, Sp};
use crate::profile::syntax::{Node, Value};

pub const STEP_KEYS: &[&str] = &["cmdlet", "service", "parameters", "select", "expect"];

pub fn commands(
    ck: &mut Checker<'_>,
    node: &Node,
    expect_failed: &mut bool,
) -> Vec<(Sp<String>, Vec<StepDecl>)> {
    let mut out = Vec::new();
    for (name, value) in named(ck, node, "commands") {
        let path = format!("commands.{}", name.value);
        let Value::Seq(items) = &value.value else {
            ck.wrong_type(value, &path, "a list of steps");
            continue;
        };
        if items.is_empty() {
            ck.error(value.pos, format!("`{path}` has no steps")).set_hint_in(
                "add a cmdlet, e.g. `- Get-Label`",
                format!("add a cmdlet, e.g. `{} = [\"Get-Label\"]`", name.value),
            );
            continue;
        }
        let steps: Vec<StepDecl> = items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| step(ck, n, &format!("{path}[{i}]"), expect_failed))
            .collect();
        if steps.len() == items.len() {
            out.push((name, steps));
        }
    }
    out
}

fn step(ck: &mut Checker<'_>, node: &Node, path: &str, expect_failed: &mut bool) -> Option<StepDecl> {
    if let Value::Str(_) = node.value {
        let cmdlet = cmdlet(ck, node, path)?;
        return Some(StepDecl {
            cmdlet,
            service: None,
            parameters: Default::default(),
            select: Vec::new(),
            expect: Vec::new(),
        });
    }
    if !matches!(node.value, Value::Map(_)) {
        ck.wrong_type(node, path, "a cmdlet name or a table with `cmdlet`");
        return None;
    }
    let t = ck.table(node, path, STEP_KEYS)?;
    let cmdlet = ck.required(&t, path, "cmdlet").and_then(|n| cmdlet(ck, n, &format!("{path}.cmdlet")));
    let service = t.get("service").and_then(|n| service(ck, n, &format!("{path}.service")));
    let service_ok = t.get("service").is_none() || service.is_some();
    let mut parameters = serde_json::Map::new();
    let mut params_ok = true;
    if let Some(n) = t.get("parameters") {
        match &n.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    if !k.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || k.name.is_empty() {
                        ck.error(k.pos, format!("`{}` is not a cmdlet parameter name", k.name)).set_hint_in(
                            "write the parameter name without `-`, e.g. `ResultSize: Unlimited`",
                            "write the parameter name without `-`, e.g. `ResultSize = \"Unlimited\"`",
                        );
                        params_ok = false;
                    } else {
                        parameters.insert(k.name.clone(), v.value.to_json());
                    }
                }
            }
            _ => {
                ck.wrong_type(n, &format!("{path}.parameters"), "a table of parameter names to values");
                params_ok = false;
            }
        }
    }
    let select = t.get("select").map(|n| ck.string_list(n, &format!("{path}.select")));
    let expect = match t.get("expect") {
        Some(n) if n.value == Value::Null => Some(Vec::new()),
        Some(n) => super::expect::expectations(ck, n, &format!("{path}.expect")),
        None => Some(Vec::new()),
    };
    if expect.is_none() {
        *expect_failed = true;
    }
    if !service_ok || !params_ok {
        return None;
    }
    Some(StepDecl {
        cmdlet: cmdlet?,
        service: service.map(|s| s.value),
        parameters,
        select: select.unwrap_or_default().into_iter().map(|s| s.value).collect(),
        expect: expect?,
    })
}

fn cmdlet(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Sp<String>> {
    let s = ck.string(node, path)?;
    if !is_cmdlet(&s.value) {
        let d = ck.error(s.pos, format!("`{}` is not a cmdlet name", s.value));
        if s.value.contains(' ') {
            d.set_hint_in(
                "write only the cmdlet name; put arguments under `parameters:`",
                "write only the cmdlet name; put arguments in `parameters = { ... }`",
            );
        } else {
            d.set_hint("cmdlets are named `Verb-Noun`, e.g. `Get-Label`");
        }
        return None;
    }
    Some(s)
}
