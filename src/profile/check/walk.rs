//! The checker's toolbox: reading tables, strings, numbers and booleans out of a
//! [`Node`] while collecting a [`Diagnostic`] for everything that is wrong, so one
//! pass reports every problem of a file.

use crate::profile::diagnostic::{did_you_mean, Diagnostic};
use crate::profile::syntax::{Key, Node, Pos, Source, Value};

/// A value with the position it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    pub value: T,
    pub pos: Pos,
}

/// Collects diagnostics for one file.
pub struct Checker<'a> {
    pub src: &'a Source,
    pub diags: Vec<Diagnostic>,
}

/// The entries of a table whose keys were checked.
pub struct Table<'n> {
    pub pos: Pos,
    entries: Vec<&'n (Key, Node)>,
}

impl<'n> Table<'n> {
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }
    /// Forget these keys when their value is null.
    pub fn drop_nulls(&mut self, keys: &[&str]) {
        self.entries.retain(|(k, v)| !(v.value == Value::Null && keys.contains(&k.name.as_str())));
    }
}

impl<'a> Checker<'a> {
    pub fn new(src: &'a Source) -> Self {
        Checker { src, diags: Vec::new() }
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::at(self.src, pos, message));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Report a value of the wrong type.
    pub fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        let d = Diagnostic::at(
            self.src,
            node.pos,
            format!("`{path}` must be {expected}, found {}", node.value.kind()),
        );
        self.push(d);
    }

    /// A table whose keys are all in `allowed`; unknown and repeated keys are reported.
    pub fn table<'n>(&mut self, node: &'n Node, path: &str, allowed: &[&str]) -> Option<Table<'n>> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, path, "a table");
            return None;
        };
        let mut kept: Vec<&'n (Key, Node)> = Vec::new();
        for entry in entries {
            let key = &entry.0;
            if let Some(first) = kept.iter().find(|(k, _)| k.name == key.name) {
                let d =
                    Diagnostic::at(self.src, key.pos, format!("`{}` is written twice in `{path}`", key.name))
                        .note(
                            "first written here",
                            crate::profile::diagnostic::Location::at(self.src, first.0.pos),
                        )
                        .hint("keep one of them");
                self.push(d);
                continue;
            }
            if !allowed.contains(&key.name.as_str()) {
                let hint = match did_you_mean(&key.name, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("`{path}` takes: {}", allowed.join(", ")),
                };
                let d = Diagnostic::at(self.src, key.pos, format!("unknown key `{}` in `{path}`", key.name))
                    .hint(hint);
                self.push(d);
                continue;
            }
            kept.push(entry);
        }
        Some(Table { pos: node.pos, entries: kept })
    }

    /// A required field; reports it missing at the table's position.
    pub fn required<'n>(&mut self, table: &Table<'n>, path: &str, key: &str) -> Option<&'n Node> {
        let found = table.get(key);
        if found.is_none() {
            self.error(table.pos, format!("`{path}` is missing `{key}`"));
        }
        found
    }

    pub fn string(&mut self, node: &Node, path: &str) -> Option<Sp<String>> {
        match &node.value {
            Value::Str(s) if s.trim().is_empty() => {
                self.error(node.pos, format!("`{path}` is empty"));
                None
            }
            Value::Str(s) => Some(Sp { value: s.clone(), pos: node.pos }),
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    pub fn opt_string(&mut self, table: &Table<'_>, path: &str, key: &str) -> Option<Sp<String>> {
        let node = table.get(key)?;
        self.string(node, &format!("{path}.{key}"))
    }

    pub fn opt_bool(&mut self, table: &Table<'_>, path: &str, key: &str) -> Option<Sp<bool>> {
        let node = table.get(key)?;
        match node.value {
            Value::Bool(b) => Some(Sp { value: b, pos: node.pos }),
            _ => {
                self.wrong_type(node, &format!("{path}.{key}"), "`true` or `false`");
                None
            }
        }
    }

    /// An integer in `min..=max`.
    pub fn opt_int(
        &mut self,
        table: &Table<'_>,
        path: &str,
        key: &str,
        min: i64,
        max: i64,
    ) -> Option<Sp<i64>> {
        let node = table.get(key)?;
        match node.value {
            Value::Int(i) if (min..=max).contains(&i) => Some(Sp { value: i, pos: node.pos }),
            Value::Int(i) => {
                self.error(node.pos, format!("`{path}.{key}` is {i}; it must be between {min} and {max}"));
                None
            }
            Value::Str(ref text) if text.trim().parse::<i64>().is_ok() => {
                self.wrong_type(node, &format!("{path}.{key}"), "an integer");
                let n = text.trim();
                self.diags.last_mut()?.set_hint_in(
                    format!("write `{key}: {n}` without quotes"),
                    format!("write `{key} = {n}` without quotes"),
                );
                None
            }
            _ => {
                self.wrong_type(node, &format!("{path}.{key}"), "an integer");
                None
            }
        }
    }

    /// A list of non-empty strings.
    pub fn string_list(&mut self, node: &Node, path: &str) -> Vec<Sp<String>> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, n)| self.string(n, &format!("{path}[{i}]")))
                .collect(),
            _ => {
                self.wrong_type(node, path, "a list of strings");
                Vec::new()
            }
        }
    }
}
