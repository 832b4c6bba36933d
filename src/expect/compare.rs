//! Comparisons with PowerShell's semantics, as an administrator's `Where-Object`
//! would judge: strings compare case-insensitively, numbers numerically (a string
//! that reads as a number compares with a number), `$true` equals the string
//! `"True"`, and a collection on the left holds a comparison when one of its
//! elements does (PowerShell filters the collection).

use serde_json::{Number, Value};
use std::cmp::Ordering;

/// `actual -eq expected`. An array literal compares element by element.
pub fn equals(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(a, e)| equals(a, e))
        }
        (Value::Array(a), e) => a.iter().any(|a| scalar_equals(a, e)),
        (a, e) => scalar_equals(a, e),
    }
}

fn scalar_equals(a: &Value, e: &Value) -> bool {
    match (a, e) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::String(a), Value::String(e)) => eq_ignore_case(a, e),
        (Value::Number(a), Value::Number(e)) => number_order(a, e) == Some(Ordering::Equal),
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            parse_number(s).is_some_and(|x| number_f64(n) == x)
        }
        (Value::Bool(a), Value::Bool(e)) => a == e,
        (Value::Bool(b), Value::String(s)) | (Value::String(s), Value::Bool(b)) => {
            s.trim().eq_ignore_ascii_case(if *b { "true" } else { "false" })
        }
        (Value::Object(a), Value::Object(e)) => {
            a.len() == e.len()
                && e.iter().all(|(k, ev)| {
                    a.iter().find(|(ak, _)| ak.eq_ignore_ascii_case(k)).is_some_and(|(_, av)| equals(av, ev))
                })
        }
        _ => false,
    }
}

/// `actual -gt/-ge/-lt/-le expected`: the ordering of `actual` against `expected`,
/// `None` when they cannot be compared (then every ordering operator is false).
pub fn order(actual: &Value, expected: &Value) -> Option<Ordering> {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => number_order(a, e),
        (Value::String(s), Value::Number(e)) => parse_number(s)?.partial_cmp(&number_f64(e)),
        (Value::Number(a), Value::String(s)) => number_f64(a).partial_cmp(&parse_number(s)?),
        (Value::String(a), Value::String(e)) => Some(cmp_ignore_case(a, e)),
        (Value::Bool(a), Value::Bool(e)) => Some(a.cmp(e)),
        _ => None,
    }
}

/// Whether an ordering operator holds, element-wise for an array on the left.
pub fn ordered(actual: &Value, expected: &Value, wanted: impl Fn(Ordering) -> bool) -> bool {
    match actual {
        Value::Array(items) => items.iter().any(|a| order(a, expected).is_some_and(&wanted)),
        a => order(a, expected).is_some_and(wanted),
    }
}

/// `-contains` for arrays (an element equals the value), substring for strings.
pub fn contains(actual: &Value, expected: &Value) -> bool {
    match actual {
        Value::Array(items) => items.iter().any(|a| scalar_equals(a, expected)),
        Value::String(s) => text(expected).is_some_and(|e| contains_ignore_case(s, &e)),
        _ => false,
    }
}

/// A scalar as PowerShell would turn it into text (`True`, `42`); `None` for
/// null, arrays and objects.
pub fn text(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s)),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(true) => Some(std::borrow::Cow::Borrowed("True")),
        Value::Bool(false) => Some(std::borrow::Cow::Borrowed("False")),
        _ => None,
    }
}

/// Whether `value` is empty: null, `""` or `[]` (a missing property is null).
pub fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b)
        || a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.chars().flat_map(char::to_lowercase).cmp(b.chars().flat_map(char::to_lowercase))
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// A number written as text (`" 25 "`, `1e3`); `None` for anything else.
fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn number_f64(n: &Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

fn number_order(a: &Number, e: &Number) -> Option<Ordering> {
    match (a.as_i64(), e.as_i64()) {
        (Some(a), Some(e)) => Some(a.cmp(&e)),
        _ => match (a.as_u64(), e.as_u64()) {
            (Some(a), Some(e)) => Some(a.cmp(&e)),
            _ => number_f64(a).partial_cmp(&number_f64(e)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equality_is_case_insensitive_and_numeric() {
        assert!(equals(&json!("SharedMailbox"), &json!("sharedmailbox")));
        assert!(equals(&json!("ÄRGER"), &json!("ärger")));
        assert!(!equals(&json!("Shared"), &json!("SharedMailbox")));
        assert!(equals(&json!(25), &json!(25.0)));
        assert!(equals(&json!("25"), &json!(25)));
        assert!(equals(&json!(25), &json!(" 25 ")));
        assert!(!equals(&json!("25 GB"), &json!(25)));
        assert!(equals(&json!(true), &json!("True")));
        assert!(!equals(&json!(false), &json!("True")));
        assert!(equals(&json!(null), &json!(null)));
        assert!(!equals(&json!(""), &json!(null)));
        assert!(equals(&json!(["a", "B"]), &json!(["A", "b"])));
        assert!(!equals(&json!(["a", "B"]), &json!(["B", "a"])));
        assert!(equals(&json!(["x", "All"]), &json!("all")), "an element equals");
        assert!(equals(&json!({"Mode": "On"}), &json!({"mode": "on"})));
        assert!(equals(&json!(u64::MAX), &json!(u64::MAX)));
        assert!(!equals(&json!(9007199254740993_i64), &json!(9007199254740992_i64)));
    }

    #[test]
    fn ordering_numbers_strings_and_arrays() {
        assert_eq!(order(&json!(10), &json!(9)), Some(Ordering::Greater));
        assert_eq!(order(&json!("10"), &json!(9)), Some(Ordering::Greater), "numeric string vs number");
        assert_eq!(order(&json!("10"), &json!("9")), Some(Ordering::Less), "two strings compare as text");
        assert_eq!(order(&json!("abc"), &json!("ABD")), Some(Ordering::Less));
        assert_eq!(order(&json!("abc"), &json!(1)), None);
        assert_eq!(order(&json!(null), &json!(1)), None);
        assert!(ordered(&json!([1, 50]), &json!(25), |o| o == Ordering::Greater));
        assert!(!ordered(&json!([1, 5]), &json!(25), |o| o == Ordering::Greater));
    }

    #[test]
    fn contains_text_and_emptiness() {
        assert!(contains(&json!(["All", "x"]), &json!("all")));
        assert!(!contains(&json!(["Allx"]), &json!("all")));
        assert!(contains(&json!("Exchange, SharePoint"), &json!("sharepoint")));
        assert!(contains(&json!("v42"), &json!(42)));
        assert!(!contains(&json!(null), &json!("x")));
        assert!(contains(&json!([1, 2]), &json!(2.0)));
        assert_eq!(text(&json!(true)).as_deref(), Some("True"));
        assert!(is_empty(None) && is_empty(Some(&json!(null))) && is_empty(Some(&json!(""))));
        assert!(is_empty(Some(&json!([]))) && !is_empty(Some(&json!(0))) && !is_empty(Some(&json!(" "))));
    }
}
