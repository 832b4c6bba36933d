//! A small OPATH `-Filter` evaluator: `Prop -eq 'v'`, `-ne`, `-like 'a*'`, `-notlike`,
//! joined by `-and` / `-or` (left to right), with optional outer parentheses.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    prop: String,
    op: String,
    value: String,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    first: Clause,
    rest: Vec<(bool /* and */, Clause)>,
}

/// Parse a filter; the error is Exchange's wording for an invalid filter.
pub fn parse(text: &str) -> Result<Filter, String> {
    let tokens = tokenize(text)?;
    let mut it = tokens.into_iter().filter(|t| t != "(" && t != ")");
    let clause = |it: &mut dyn Iterator<Item = String>| -> Result<Clause, String> {
        let prop = it.next().ok_or_else(|| invalid(text))?;
        let op = it.next().ok_or_else(|| invalid(text))?.to_ascii_lowercase();
        if !matches!(op.as_str(), "-eq" | "-ne" | "-like" | "-notlike") {
            return Err(invalid(text));
        }
        let value = it.next().ok_or_else(|| invalid(text))?;
        Ok(Clause { prop, op, value })
    };
    let first = clause(&mut it)?;
    let mut rest = Vec::new();
    while let Some(joiner) = it.next() {
        let and = match joiner.to_ascii_lowercase().as_str() {
            "-and" => true,
            "-or" => false,
            _ => return Err(invalid(text)),
        };
        rest.push((and, clause(&mut it)?));
    }
    Ok(Filter { first, rest })
}

fn invalid(text: &str) -> String {
    format!("Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"Invalid filter syntax. For a description of the filter parameter syntax see the command help.\n\"{text}\"\"")
}

fn tokenize(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' || c == ')' {
            out.push(c.to_string());
            chars.next();
        } else if c == '\'' || c == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some(q) if q == c => break,
                    Some(x) => s.push(x),
                    None => return Err(invalid(text)),
                }
            }
            out.push(s);
        } else {
            let mut s = String::new();
            while let Some(&x) = chars.peek() {
                if x.is_whitespace() || x == '(' || x == ')' {
                    break;
                }
                s.push(x);
                chars.next();
            }
            out.push(s);
        }
    }
    Ok(out)
}

fn like(pattern: &str, value: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let v = value.to_ascii_lowercase();
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == v;
    }
    let mut rest = v.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else { return false };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl Clause {
    fn matches(&self, obj: &Map<String, Value>) -> bool {
        let key = obj.keys().find(|k| k.eq_ignore_ascii_case(&self.prop));
        let actual = text_of(key.and_then(|k| obj.get(k)));
        match self.op.as_str() {
            "-eq" => actual.eq_ignore_ascii_case(&self.value),
            "-ne" => !actual.eq_ignore_ascii_case(&self.value),
            "-like" => like(&self.value, &actual),
            _ => !like(&self.value, &actual),
        }
    }
}

impl Filter {
    pub fn matches(&self, obj: &Map<String, Value>) -> bool {
        let mut acc = self.first.matches(obj);
        for (and, c) in &self.rest {
            acc = if *and { acc && c.matches(obj) } else { acc || c.matches(obj) };
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_like_exchange() {
        let obj: Map<String, Value> =
            serde_json::from_str(r#"{"RecipientTypeDetails":"SharedMailbox","Name":"sales.team1"}"#).unwrap();
        assert!(parse("RecipientTypeDetails -eq 'SharedMailbox'").unwrap().matches(&obj));
        assert!(parse("(Name -like 'sales*') -and (RecipientTypeDetails -ne 'UserMailbox')")
            .unwrap()
            .matches(&obj));
        assert!(!parse("Name -like '*x'").unwrap().matches(&obj));
        assert!(parse("Name -eq").is_err());
        assert!(parse("Name -gt 'a'").is_err());
    }
}
