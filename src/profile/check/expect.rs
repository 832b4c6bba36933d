//! `expect:` on a step (SPEC §7): each expectation's id, title, severity, source,
//! `where` and its one quantifier, with every matcher, operator, wildcard and regex
//! checked here, so a bad expectation is a located error before anything runs.

use super::rules::is_simple_name;
use super::walk::{Checker, Sp};
use crate::expect::model::{Condition, Count, Expectation, Matcher, Operator, Pattern, Quantifier, Severity};
use crate::expect::path::PropertyPath;
use crate::expect::wildcard::Wildcard;
use crate::profile::diagnostic::did_you_mean;
use crate::profile::syntax::{Node, Pos, Value};

pub const EXPECT_KEYS: &[&str] =
    &["id", "title", "severity", "source", "where", "all", "any", "none", "count"];
pub const QUANTIFIERS: &[&str] = &["all", "any", "none", "count"];
pub const COUNT_KEYS: &[&str] = &["min", "max"];

/// The expectations of one step; `None` when any of them has a problem (reported).
pub fn expectations(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Vec<Sp<Expectation>>> {
    let Value::Seq(items) = &node.value else {
        ck.wrong_type(node, path, "a list of expectations");
        if let Value::Map(_) = node.value {
            ck.diags.last_mut()?.set_hint_in(
                "write each expectation as a list item: `- id: EXO-AUDIT-01`",
                "write each expectation as a table of the list: `expect = [{ id = \"EXO-AUDIT-01\", ... }]`",
            );
        }
        return None;
    };
    let before = ck.diags.len();
    let out: Vec<Sp<Expectation>> =
        items.iter().enumerate().filter_map(|(i, n)| expectation(ck, n, &format!("{path}[{i}]"))).collect();
    (ck.diags.len() == before && out.len() == items.len()).then_some(out)
}

fn expectation(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Sp<Expectation>> {
    let before = ck.diags.len();
    let t = ck.table(node, path, EXPECT_KEYS)?;
    let id = ck.required(&t, path, "id").and_then(|n| ck.string(n, &format!("{path}.id")));
    if let Some(id) = &id {
        if !is_simple_name(&id.value) {
            ck.error(id.pos, format!("`{}` is not a valid check id", id.value))
                .set_hint("use letters, digits, `-`, `_` and `.`, e.g. `MS.EXO.1.1v1`");
        }
    }
    let title = ck.opt_string(&t, path, "title").map(|s| s.value);
    let source = ck.opt_string(&t, path, "source").map(|s| s.value);
    let severity = match ck.opt_string(&t, path, "severity") {
        None => Severity::default(),
        Some(s) => Severity::parse(&s.value).unwrap_or_else(|| {
            let hint = match did_you_mean(&s.value, Severity::NAMES.iter().copied()) {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!("use one of: {}", Severity::NAMES.join(", ")),
            };
            ck.error(s.pos, format!("unknown severity `{}` in `{path}.severity`", s.value)).set_hint(hint);
            Severity::default()
        }),
    };
    let filter = t.get("where").and_then(|n| matcher(ck, n, &format!("{path}.where")));
    let given: Vec<(&str, &Node)> = QUANTIFIERS.iter().filter_map(|q| t.get(q).map(|n| (*q, n))).collect();
    let quantifier = match given.as_slice() {
        [] => {
            ck.error(t.pos, format!("`{path}` has no quantifier")).set_hint_in(
                "add exactly one of `all:`, `any:`, `none:` or `count:`",
                "add exactly one of `all`, `any`, `none` or `count`",
            );
            None
        }
        [(q, n)] => quantifier(ck, q, n, &format!("{path}.{q}")),
        [(first, _), (second, n), ..] => {
            ck.error(n.pos, format!("`{path}` has both `{first}` and `{second}`")).set_hint(
                "an expectation takes exactly one of `all`, `any`, `none`, `count`; split it in two",
            );
            None
        }
    };
    if ck.diags.len() > before {
        return None;
    }
    let id = id?;
    Some(Sp {
        value: Expectation { id: id.value, title, severity, source, filter, quantifier: quantifier? },
        pos: id.pos,
    })
}

fn quantifier(ck: &mut Checker<'_>, q: &str, node: &Node, path: &str) -> Option<Quantifier> {
    Some(match q {
        "all" => Quantifier::All(matcher(ck, node, path)?),
        "any" => Quantifier::Any(matcher(ck, node, path)?),
        "none" => Quantifier::None(matcher(ck, node, path)?),
        _ => Quantifier::Count(count(ck, node, path)?),
    })
}

fn count(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Count> {
    match &node.value {
        Value::Int(n) if *n >= 0 => Some(Count { min: Some(*n as u64), max: Some(*n as u64) }),
        Value::Map(_) => {
            let t = ck.table(node, path, COUNT_KEYS)?;
            let min = ck.opt_int(&t, path, "min", 0, i64::MAX);
            let max = ck.opt_int(&t, path, "max", 0, i64::MAX);
            match (&min, &max) {
                (None, None) if t.get("min").is_none() && t.get("max").is_none() => {
                    ck.error(t.pos, format!("`{path}` needs `min`, `max` or both"));
                    None
                }
                (Some(a), Some(b)) if a.value > b.value => {
                    ck.error(b.pos, format!("`{path}.max` ({}) is less than `min` ({})", b.value, a.value));
                    None
                }
                _ if t.get("min").is_some() != min.is_some() || t.get("max").is_some() != max.is_some() => {
                    None
                }
                _ => Some(Count { min: min.map(|m| m.value as u64), max: max.map(|m| m.value as u64) }),
            }
        }
        _ => {
            ck.wrong_type(node, path, "a number of objects or `{ min, max }`");
            None
        }
    }
}

/// A matcher: property paths to conditions.
fn matcher(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Matcher> {
    let Value::Map(entries) = &node.value else {
        ck.wrong_type(node, path, "a table of property paths to conditions");
        ck.diags.last_mut()?.set_hint_in("write e.g. `{ Enabled: true }`", "write e.g. `{ Enabled = true }`");
        return None;
    };
    if entries.is_empty() {
        ck.error(node.pos, format!("`{path}` has no conditions"))
            .set_hint_in("write e.g. `{ Enabled: true }`", "write e.g. `{ Enabled = true }`");
        return None;
    }
    let mut conditions = Vec::new();
    let mut ok = true;
    for (key, value) in entries {
        let Some(p) = PropertyPath::parse(&key.name) else {
            ck.error(key.pos, format!("`{}` is not a property path", key.name))
                .set_hint("name a property, or a nested one with dots: `Settings.Mode`");
            ok = false;
            continue;
        };
        if conditions.iter().any(|(q, _): &(PropertyPath, Condition)| q == &p) {
            ck.error(key.pos, format!("`{}` is written twice in `{path}`", key.name));
            ok = false;
            continue;
        }
        match condition(ck, value, &format!("{path}.{}", key.name)) {
            Some(c) => conditions.push((p, c)),
            None => ok = false,
        }
    }
    ok.then_some(Matcher { conditions })
}

/// A literal (equality) or a table of operators.
fn condition(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Condition> {
    let Value::Map(entries) = &node.value else {
        return Some(Condition { operators: vec![Operator::Eq(node.value.to_json())] });
    };
    if entries.is_empty() {
        ck.error(node.pos, format!("`{path}` has no operator"))
            .set_hint(format!("use one of: {}", Operator::NAMES.join(", ")));
        return None;
    }
    let mut operators = Vec::new();
    let mut ok = true;
    for (key, value) in entries {
        if !Operator::NAMES.contains(&key.name.as_str()) {
            let hint = match did_you_mean(&key.name, Operator::NAMES.iter().copied()) {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!(
                    "operators are: {}; to match a nested property write `{}.{}`",
                    Operator::NAMES.join(", "),
                    path.rsplit('.').next().unwrap_or(path),
                    key.name
                ),
            };
            ck.error(key.pos, format!("unknown operator `{}` in `{path}`", key.name)).set_hint(hint);
            ok = false;
            continue;
        }
        match operator(ck, &key.name, value, &format!("{path}.{}", key.name)) {
            Some(op) => operators.push(op),
            None => ok = false,
        }
    }
    ok.then_some(Condition { operators })
}

fn operator(ck: &mut Checker<'_>, name: &str, node: &Node, path: &str) -> Option<Operator> {
    let v = &node.value;
    let scalar = |ck: &mut Checker<'_>| match v {
        Value::Seq(_) | Value::Map(_) => {
            ck.wrong_type(node, path, "a string, number, boolean or null");
            None
        }
        _ => Some(v.to_json()),
    };
    let comparable = |ck: &mut Checker<'_>| match v {
        Value::Int(_) | Value::Float(_) | Value::Str(_) | Value::Bool(_) => Some(v.to_json()),
        _ => {
            ck.wrong_type(node, path, "a number or a string");
            None
        }
    };
    Some(match name {
        "eq" | "ne" if matches!(v, Value::Map(_)) => {
            ck.wrong_type(node, path, "a value");
            return None;
        }
        "eq" => Operator::Eq(v.to_json()),
        "ne" => Operator::Ne(v.to_json()),
        "in" | "not_in" => {
            let Value::Seq(items) = v else {
                ck.wrong_type(node, path, "a list of values");
                return None;
            };
            let values = items.iter().map(|n| n.value.to_json()).collect();
            if name == "in" {
                Operator::In(values)
            } else {
                Operator::NotIn(values)
            }
        }
        "like" => {
            let s = ck.string(node, path)?;
            match Wildcard::parse(&s.value) {
                Ok(w) => Operator::Like(w),
                Err(e) => {
                    let pos = inside(ck, s.pos, e.offset);
                    ck.error(pos, format!("`{path}` is not a valid wildcard: {}", e.message)).set_hint(
                        "wildcards are `*`, `?`, `[abc]`, `[a-z]`; escape a literal one with a backtick",
                    );
                    return None;
                }
            }
        }
        "matches" => {
            let s = ck.string(node, path)?;
            match Pattern::compile(&s.value) {
                Ok(p) => Operator::Matches(p),
                Err((message, offset)) => {
                    let pos = offset.map_or(s.pos, |o| inside(ck, s.pos, o));
                    ck.error(pos, format!("`{path}` is not a valid regex: {message}")).set_hint(
                        "`matches` takes a regular expression (unanchored, case-insensitive, as `-match`)",
                    );
                    return None;
                }
            }
        }
        "gt" => Operator::Gt(comparable(ck)?),
        "ge" => Operator::Ge(comparable(ck)?),
        "lt" => Operator::Lt(comparable(ck)?),
        "le" => Operator::Le(comparable(ck)?),
        "contains" => Operator::Contains(scalar(ck)?),
        "exists" | "empty" => {
            let Value::Bool(b) = v else {
                ck.wrong_type(node, path, "`true` or `false`");
                return None;
            };
            if name == "exists" {
                Operator::Exists(*b)
            } else {
                Operator::Empty(*b)
            }
        }
        _ => return None,
    })
}

/// The position of the character `offset` inside a string scalar written at `pos`
/// (past its opening quote, if it has one).
fn inside(ck: &Checker<'_>, pos: Pos, offset: usize) -> Pos {
    let quoted = ck
        .src
        .line(pos.line())
        .and_then(|l| l.chars().nth(pos.col().saturating_sub(1)))
        .is_some_and(|c| c == '"' || c == '\'');
    Pos::new(pos.line(), pos.col() + usize::from(quoted) + offset, 1)
}
