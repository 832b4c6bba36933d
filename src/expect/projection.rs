//! Reading an items line for judging: only the top-level properties some check of
//! the step reads (the first segment of every `where`/quantifier path, and the
//! properties a failing object is named by) are built as values; the rest of the
//! object is parsed past without allocating. A mailbox has ~200 properties and a
//! step's checks read a handful, so this is most of judging's cost saved.
//!
//! Names match case-insensitively, as [`super::path`] looks them up, and the kept
//! properties stay in the object's order, so a check sees exactly what it would
//! see in the whole object. A line that is not an object is read whole.

use super::model::{Expectation, Matcher, Quantifier};
use super::quantifier::NAME_KEYS;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// The top-level properties a step's expectations read (names borrowed from them).
#[derive(Debug, Clone)]
pub struct Projection<'e> {
    names: Vec<&'e str>,
}

impl<'e> Projection<'e> {
    /// What `expectations` read, together.
    pub fn of(expectations: &'e [Expectation]) -> Self {
        let mut names: Vec<&'e str> = NAME_KEYS.to_vec();
        let mut add = |m: &'e Matcher| {
            for (path, _) in &m.conditions {
                if !names.iter().any(|n| n.eq_ignore_ascii_case(path.first())) {
                    names.push(path.first());
                }
            }
        };
        for e in expectations {
            if let Some(f) = &e.filter {
                add(f);
            }
            match &e.quantifier {
                Quantifier::All(m) | Quantifier::Any(m) | Quantifier::None(m) => add(m),
                Quantifier::Count(_) => {}
            }
        }
        Projection { names }
    }

    fn wants(&self, key: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(key))
    }

    /// One JSON line: an object with only the wanted properties, anything else whole.
    /// Broken syntax is an error wherever it is, in skipped properties too (the text
    /// of a skipped string is not checked for UTF-8: nothing reads it).
    pub fn parse(&self, line: &[u8]) -> serde_json::Result<Value> {
        if line.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return serde_json::from_slice(line);
        }
        let mut de = serde_json::Deserializer::from_slice(line);
        let object = de.deserialize_map(Projected(self))?;
        de.end()?;
        Ok(object)
    }
}

/// The visitor that keeps the wanted properties of one object.
struct Projected<'p, 'e>(&'p Projection<'e>);

impl<'de> Visitor<'de> for Projected<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut kept = Map::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if self.0.wants(&key) {
                let value: Value = map.next_value()?;
                kept.insert(key.into_owned(), value);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Value::Object(kept))
    }
}

/// A property name, borrowed from the line unless it has escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expect::model::{Condition, Count, Operator, Severity};
    use crate::expect::path::PropertyPath;
    use crate::expect::quantifier::{Tally, Verdict};
    use serde_json::json;

    fn matcher(path: &str, op: Operator) -> Matcher {
        Matcher { conditions: vec![(PropertyPath::parse(path).unwrap(), Condition { operators: vec![op] })] }
    }

    fn exp(id: &str, filter: Option<Matcher>, quantifier: Quantifier) -> Expectation {
        Expectation {
            id: id.into(),
            title: None,
            severity: Severity::Medium,
            source: None,
            filter,
            quantifier,
        }
    }

    fn checks() -> Vec<Expectation> {
        vec![
            exp("nested", None, Quantifier::All(matcher("settings.mode", Operator::Eq(json!("Enforce"))))),
            exp(
                "where",
                Some(matcher("RecipientTypeDetails", Operator::Eq(json!("SharedMailbox")))),
                Quantifier::None(matcher("ForwardingSmtpAddress", Operator::Exists(true))),
            ),
            exp(
                "members",
                None,
                Quantifier::Any(matcher("Rules.Action", Operator::Contains(json!("block")))),
            ),
            exp("count", None, Quantifier::Count(Count { min: Some(1), max: None })),
        ]
    }

    /// Lines as an items file could hold them: other properties around the read ones,
    /// names in another case, an escaped name, a repeated name, nested arrays, a non-object.
    const LINES: &[&str] = &[
        r#"{"Identity":"a","Bulk":[1,{"x":"y"}],"Settings":{"Mode":"Enforce"},"RecipientTypeDetails":"UserMailbox"}"#,
        r#"{"Name":"b","SETTINGS":{"mode":"Audit"},"recipienttypedetails":"SharedMailbox","ForwardingSmtpAddress":"smtp:x@evil.example"}"#,
        r#"{"Guid":"g","Rul\u0065s":[{"Action":["allow","block"]},{"Action":"quarantine"}],"Settings":{"Mode":"Enforce"}}"#,
        r#"{"Id":7,"Settings":{"Mode":"Audit"},"Settings":{"Mode":"Enforce"},"Skip":"\"quoted\" \\ text"}"#,
        r#"{}"#,
        r#"  [1,2,3]"#,
        r#""text""#,
    ];

    fn verdicts(lines: &[&str], read: impl Fn(&[u8]) -> Value) -> Vec<Verdict> {
        let expectations = checks();
        let mut tallies: Vec<Tally<'_>> = expectations.iter().map(Tally::new).collect();
        for (i, l) in lines.iter().enumerate() {
            let object = read(l.as_bytes());
            tallies.iter_mut().for_each(|t| t.observe(&object, i as u64 + 1));
        }
        tallies.into_iter().map(Tally::finish).collect()
    }

    #[test]
    fn checks_judge_a_projected_object_as_they_judge_the_whole_one() {
        let expectations = checks();
        let projection = Projection::of(&expectations);
        let whole = verdicts(LINES, |l| serde_json::from_slice(l).unwrap());
        let projected = verdicts(LINES, |l| projection.parse(l).unwrap());
        assert_eq!(projected, whole);
        // The fixture exercises both outcomes, so the comparison has something to compare.
        let outcomes: Vec<_> =
            whole.iter().map(|v| (v.outcome, v.objects_checked, v.objects_failing)).collect();
        use crate::expect::CheckStatus::{Fail, Pass};
        assert_eq!(outcomes, [(Fail, 7, 4), (Fail, 1, 1), (Pass, 7, 0), (Pass, 7, 0)]);
        assert_eq!(whole[0].failing, ["b", "#5", "#6", "#7"]);
    }

    #[test]
    fn only_the_read_properties_are_kept_in_their_order() {
        let expectations = checks();
        let projection = Projection::of(&expectations);
        let got = projection.parse(LINES[1].as_bytes()).unwrap();
        let keys: Vec<&str> = got.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["Name", "SETTINGS", "recipienttypedetails", "ForwardingSmtpAddress"]);
        let got = projection.parse(LINES[0].as_bytes()).unwrap();
        assert_eq!(
            got,
            json!({"Identity": "a", "Settings": {"Mode": "Enforce"}, "RecipientTypeDetails": "UserMailbox"})
        );
        let got = projection.parse(LINES[3].as_bytes()).unwrap();
        assert_eq!(
            got,
            json!({"Id": 7, "Settings": {"Mode": "Enforce"}}),
            "the last of a repeated name wins"
        );
        assert_eq!(projection.parse(LINES[5].as_bytes()).unwrap(), json!([1, 2, 3]));
    }

    #[test]
    fn broken_syntax_in_a_skipped_property_is_still_an_error() {
        let expectations = checks();
        let projection = Projection::of(&expectations);
        for bad in [
            r#"{"Name":"a","Bulk":[1,2}"#,
            r#"{"Name":"a","Bulk":tru}"#,
            r#"{"Name":"a","Bulk":"\q"}"#,
            r#"{"Name":"a"} trailing"#,
            r#"{"Name":"a","Bulk":1"#,
        ] {
            assert!(projection.parse(bad.as_bytes()).is_err(), "{bad}");
            assert!(serde_json::from_slice::<Value>(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
