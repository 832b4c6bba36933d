//! How two versions of an object are matched and compared (SPEC §8): the key property
//! (`--key`, else the first present of `Guid`, `ExchangeObjectId`,
//! `ExternalDirectoryObjectId`, `Identity`, `DistinguishedName`, `Name`), the properties
//! ignored because they change on every read, and the property-level changes by dotted path.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Key properties tried in order when `--key` is not given.
pub const KEY_ORDER: &[&str] =
    &["Guid", "ExchangeObjectId", "ExternalDirectoryObjectId", "Identity", "DistinguishedName", "Name"];

/// Properties that change on every read, ignored unless compared on purpose.
pub const VOLATILE: &[&str] = &[
    "WhenChanged",
    "WhenChangedUTC",
    "LastModifiedTime",
    "LastModifiedTimeUTC",
    "LastModifiedDateTime",
    "WhenModified",
    "WhenModifiedUTC",
];

/// What decides matching and comparing.
#[derive(Debug, Clone)]
pub struct Rules {
    /// `--key`: the only key property tried.
    pub key: Option<String>,
    /// Ignored properties (top-level names or dotted paths), compared case-insensitively.
    pub ignore: Vec<String>,
}

impl Rules {
    /// The defaults plus `--key` and `--ignore`.
    pub fn new(key: Option<String>, extra_ignore: &[String]) -> Rules {
        let mut ignore: Vec<String> = VOLATILE.iter().map(|s| s.to_string()).collect();
        ignore.extend(extra_ignore.iter().cloned());
        Rules { key, ignore }
    }

    fn ignored(&self, path: &str) -> bool {
        self.ignore.iter().any(|i| {
            path.eq_ignore_ascii_case(i)
                || (path.len() > i.len()
                    && path.as_bytes()[i.len()] == b'.'
                    && path[..i.len()].eq_ignore_ascii_case(i))
        })
    }

    /// The object's key: `{PROP: VALUE}` for the first key property present (not null),
    /// and a sortable text of it. An object with none of them is keyed by its whole
    /// content (ignored properties left out), so only an identical object matches it.
    pub fn key_of(&self, object: &Map<String, Value>) -> (Map<String, Value>, String) {
        let candidates: Vec<&str> = match &self.key {
            Some(k) => vec![k.as_str()],
            None => KEY_ORDER.to_vec(),
        };
        for prop in candidates {
            if let Some((name, value)) =
                object.iter().find(|(k, v)| k.eq_ignore_ascii_case(prop) && !v.is_null())
            {
                let mut key = Map::new();
                key.insert(name.clone(), value.clone());
                let text = format!("{}\u{1}{}", prop.to_ascii_lowercase(), canonical(value));
                return (key, text);
            }
        }
        let kept: Map<String, Value> =
            object.iter().filter(|(k, _)| !self.ignored(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        (Map::new(), format!("\u{2}{}", canonical(&Value::Object(kept))))
    }

    /// Each changed property of `old` → `new` by dotted path (nested objects descended,
    /// arrays compared whole), with its old and new value (`null` when absent), in path order.
    pub fn changes(
        &self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
    ) -> BTreeMap<String, (Value, Value)> {
        let mut a = BTreeMap::new();
        let mut b = BTreeMap::new();
        flatten("", old, &mut a);
        flatten("", new, &mut b);
        let mut out = BTreeMap::new();
        for (path, old_value) in &a {
            if self.ignored(path) {
                continue;
            }
            match b.get(path) {
                Some(new_value) if new_value == old_value => {}
                Some(new_value) => {
                    out.insert(path.clone(), ((*old_value).clone(), (*new_value).clone()));
                }
                None => {
                    out.insert(path.clone(), ((*old_value).clone(), Value::Null));
                }
            }
        }
        for (path, new_value) in &b {
            if !a.contains_key(path) && !self.ignored(path) {
                out.insert(path.clone(), (Value::Null, (*new_value).clone()));
            }
        }
        out
    }
}

/// Leaves of `object` by dotted path (an empty nested object is a leaf too).
fn flatten<'a>(prefix: &str, object: &'a Map<String, Value>, out: &mut BTreeMap<String, &'a Value>) {
    for (k, v) in object {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(inner) if !inner.is_empty() => flatten(&path, inner, out),
            _ => {
                out.insert(path, v);
            }
        }
    }
}

/// JSON text with object keys sorted, so equal values give equal text.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, String> = map.iter().map(|(k, v)| (k, canonical(v))).collect();
            let parts: Vec<String> =
                sorted.iter().map(|(k, v)| format!("{}:{v}", Value::String((*k).clone()))).collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn key_is_the_first_present_property_in_spec_order_or_the_one_asked_for() {
        let rules = Rules::new(None, &[]);
        let o = obj(json!({"Name": "n", "Identity": "i", "Guid": null, "ExchangeObjectId": "e"}));
        assert_eq!(rules.key_of(&o).0, obj(json!({"ExchangeObjectId": "e"})));
        let by_name = Rules::new(Some("name".into()), &[]);
        assert_eq!(by_name.key_of(&o).0, obj(json!({"Name": "n"})));
        let none = obj(json!({"A": 1, "WhenChanged": "x"}));
        let same = obj(json!({"WhenChanged": "y", "A": 1}));
        assert_eq!(rules.key_of(&none).1, rules.key_of(&same).1, "whole-content key ignores volatile props");
        assert!(rules.key_of(&none).0.is_empty());
    }

    #[test]
    fn changes_are_by_dotted_path_and_volatile_properties_are_ignored() {
        let rules = Rules::new(None, &["Comment".to_string()]);
        let old = obj(json!({"Guid": "g", "Mode": "Audit", "Settings": {"A": 1, "B": [1, 2]},
                             "WhenChangedUTC": "2026-01-01", "Comment": "a", "Gone": true}));
        let new = obj(json!({"Guid": "g", "Mode": "Enforce", "Settings": {"A": 1, "B": [2, 1]},
                             "WhenChangedUTC": "2026-02-02", "Comment": "b", "New": 5}));
        let changes = rules.changes(&old, &new);
        let got: Vec<(&str, Value, Value)> =
            changes.iter().map(|(k, (a, b))| (k.as_str(), a.clone(), b.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("Gone", json!(true), Value::Null),
                ("Mode", json!("Audit"), json!("Enforce")),
                ("New", Value::Null, json!(5)),
                ("Settings.B", json!([1, 2]), json!([2, 1])),
            ]
        );
        assert!(Rules::new(None, &["settings".to_string()])
            .changes(&old, &new)
            .keys()
            .all(|k| !k.starts_with("Settings")));
    }
}
