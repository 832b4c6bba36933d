//! TOML to [`Node`] with the `toml` crate's spanned document parser, which
//! recovers after errors so every syntax error of a file is reported at once.

use super::source::LineIndex;
use super::tree::{Key, Node, Pos, Value};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Deeper nesting than this is refused (and never recursed into).
const MAX_DEPTH: usize = 64;

/// A TOML syntax error with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct TomlError {
    pub message: String,
    pub pos: Option<Pos>,
}

/// Parse a TOML document; on syntax errors, all of them.
pub fn parse(text: &str, lines: &LineIndex) -> Result<Node, Vec<TomlError>> {
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|e| TomlError {
                message: e.message().trim().to_string(),
                pos: e.span().map(|r| lines.pos(r.start, r.end.saturating_sub(r.start))),
            })
            .collect());
    }
    let mut deep = None;
    let span = table.span();
    let root =
        Node { pos: lines.pos(span.start, 1), value: table_value(table.into_inner(), lines, 1, &mut deep) };
    match deep {
        Some(pos) => Err(vec![TomlError {
            message: format!(
                "nesting is deeper than {MAX_DEPTH} levels (hint: a profile needs at most a few levels)"
            ),
            pos: Some(pos),
        }]),
        None => Ok(root),
    }
}

fn table_value(table: DeTable<'_>, lines: &LineIndex, depth: usize, deep: &mut Option<Pos>) -> Value {
    Value::Map(
        table
            .into_iter()
            .map(|(k, v)| {
                let span = k.span();
                let name = k.into_inner().into_owned();
                let pos = lines.pos(span.start, span.end.saturating_sub(span.start));
                (Key { name, pos }, node(v, lines, depth, deep))
            })
            .collect(),
    )
}

fn node(v: Spanned<DeValue<'_>>, lines: &LineIndex, depth: usize, deep: &mut Option<Pos>) -> Node {
    let span = v.span();
    let pos = lines.pos(span.start, span.end.saturating_sub(span.start));
    if depth > MAX_DEPTH {
        deep.get_or_insert(pos);
        return Node { pos, value: Value::Null };
    }
    let value = match v.into_inner() {
        DeValue::String(s) => Value::Str(s.into_owned()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let (neg, body) = match digits.strip_prefix('-') {
                Some(rest) => (true, rest.to_string()),
                None => (false, digits.trim_start_matches('+').to_string()),
            };
            let body = body.trim_start_matches("0x").trim_start_matches("0o").trim_start_matches("0b");
            match i64::from_str_radix(body, i.radix()) {
                Ok(n) if neg => Value::Int(-n),
                Ok(n) => Value::Int(n),
                Err(_) => Value::Str(i.as_str().to_string()),
            }
        }
        DeValue::Float(f) => {
            let text = f.as_str().replace('_', "");
            let parsed = match text.trim_start_matches('+') {
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                "nan" | "-nan" => Ok(f64::NAN),
                t => t.parse::<f64>(),
            };
            parsed.map(Value::Float).unwrap_or(Value::Str(text))
        }
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => Value::Str(d.to_string()),
        DeValue::Array(items) => {
            Value::Seq(items.into_iter().map(|item| node(item, lines, depth + 1, deep)).collect())
        }
        DeValue::Table(t) => table_value(t, lines, depth + 1, deep),
    };
    Node { pos, value }
}
