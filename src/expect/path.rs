//! Property paths (`Name`, `Settings.Mode`): reading a value out of an object as
//! PowerShell's member access does — property names match case-insensitively, and
//! a path that goes through an array collects the property of every element
//! (member enumeration), so `Rules.Mode` on a list of rules gives a list of modes.

use serde_json::Value;
use std::borrow::Cow;

/// A dotted property path, split once when the profile is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyPath {
    text: String,
    segments: Vec<String>,
}

impl PropertyPath {
    /// Parse `A.B.C`; `None` when a segment is empty (`A..B`, `.A`, `A.`).
    pub fn parse(text: &str) -> Option<Self> {
        let segments: Vec<String> = text.split('.').map(str::to_string).collect();
        if segments.iter().any(|s| s.trim().is_empty()) {
            return None;
        }
        Some(PropertyPath { text: text.to_string(), segments })
    }

    /// The property of the object itself this path starts at (`Settings` of `Settings.Mode`).
    pub fn first(&self) -> &str {
        self.segments.first().map_or("", String::as_str)
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value at this path in `object`; `None` when a property is missing.
    pub fn lookup<'v>(&self, object: &'v Value) -> Option<Cow<'v, Value>> {
        let mut current: Cow<'v, Value> = Cow::Borrowed(object);
        for segment in &self.segments {
            current = match current {
                Cow::Borrowed(v) => step(v, segment)?,
                Cow::Owned(v) => Cow::Owned(step(&v, segment)?.into_owned()),
            };
        }
        Some(current)
    }
}

/// One segment: a property of an object, or of every element of an array.
fn step<'v>(value: &'v Value, name: &str) -> Option<Cow<'v, Value>> {
    match value {
        Value::Object(map) => property(map, name).map(Cow::Borrowed),
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                let Value::Object(map) = item else { continue };
                match property(map, name) {
                    // Member enumeration flattens one level, as PowerShell does.
                    Some(Value::Array(inner)) => out.extend(inner.iter().cloned()),
                    Some(v) => out.push(v.clone()),
                    None => {}
                }
            }
            if out.is_empty() && !items.is_empty() {
                return None;
            }
            Some(Cow::Owned(Value::Array(out)))
        }
        _ => None,
    }
}

/// A property by name: the exact name first, else case-insensitively.
fn property<'v>(map: &'v serde_json::Map<String, Value>, name: &str) -> Option<&'v Value> {
    map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_paths_case_insensitive_names_and_member_enumeration() {
        let obj = json!({"Name": "a", "Settings": {"Mode": "Enforce", "Inner": {"Level": 3}},
                         "Rules": [{"Mode": "Audit"}, {"Mode": "Enforce"}, {"Other": 1}],
                         "Groups": [{"Members": ["x", "y"]}, {"Members": ["z"]}]});
        let get = |p: &str| PropertyPath::parse(p).unwrap().lookup(&obj).map(Cow::into_owned);
        assert_eq!(get("Name"), Some(json!("a")));
        assert_eq!(get("name"), Some(json!("a")));
        assert_eq!(get("Settings.Mode"), Some(json!("Enforce")));
        assert_eq!(get("settings.inner.level"), Some(json!(3)));
        assert_eq!(get("Settings.Missing"), None);
        assert_eq!(get("Name.Length"), None);
        assert_eq!(get("Rules.Mode"), Some(json!(["Audit", "Enforce"])));
        assert_eq!(get("Groups.Members"), Some(json!(["x", "y", "z"])));
        assert_eq!(get("Rules.Nope"), None);
        assert!(PropertyPath::parse("a..b").is_none());
        assert!(PropertyPath::parse(".a").is_none());
        assert!(PropertyPath::parse("").is_none());
    }
}
