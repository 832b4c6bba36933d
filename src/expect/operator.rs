//! Whether one operator holds on a property's value (`None` when the object has
//! no such property, which Exchange treats as null).

use super::compare::{contains, equals, is_empty, ordered, text};
use super::model::Operator;
use serde_json::Value;
use std::cmp::Ordering;

const NULL: Value = Value::Null;

impl Operator {
    pub fn holds(&self, value: Option<&Value>) -> bool {
        let actual = value.unwrap_or(&NULL);
        match self {
            Operator::Eq(e) => equals(actual, e),
            Operator::Ne(e) => !equals(actual, e),
            Operator::In(list) => list.iter().any(|e| equals(actual, e)),
            Operator::NotIn(list) => !list.iter().any(|e| equals(actual, e)),
            Operator::Like(w) => any_text(actual, |t| w.matches(t)),
            Operator::Matches(p) => any_text(actual, |t| p.regex.is_match(t)),
            Operator::Gt(e) => ordered(actual, e, |o| o == Ordering::Greater),
            Operator::Ge(e) => ordered(actual, e, |o| o != Ordering::Less),
            Operator::Lt(e) => ordered(actual, e, |o| o == Ordering::Less),
            Operator::Le(e) => ordered(actual, e, |o| o != Ordering::Greater),
            Operator::Contains(e) => contains(actual, e),
            Operator::Exists(want) => actual.is_null() != *want,
            Operator::Empty(want) => is_empty(value) == *want,
        }
    }
}

/// A text operator on a scalar, or on any element of an array.
fn any_text(actual: &Value, test: impl Fn(&str) -> bool) -> bool {
    match actual {
        Value::Array(items) => items.iter().any(|v| text(v).is_some_and(|t| test(&t))),
        v => text(v).is_some_and(|t| test(&t)),
    }
}

#[cfg(test)]
mod tests {
    use crate::expect::model::{Operator as Op, Pattern};
    use crate::expect::wildcard::Wildcard;
    use serde_json::{json, Value};

    fn holds(op: &Op, v: Value) -> bool {
        op.holds(Some(&v))
    }

    #[test]
    fn eq_and_ne() {
        assert!(holds(&Op::Eq(json!("Enable")), json!("ENABLE")));
        assert!(!holds(&Op::Eq(json!("Enable")), json!("Disable")));
        assert!(holds(&Op::Eq(json!(25)), json!(25.0)));
        assert!(holds(&Op::Eq(json!(null)), json!(null)));
        assert!(Op::Eq(json!(null)).holds(None), "a missing property is null");
        assert!(holds(&Op::Ne(json!("Off")), json!("On")));
        assert!(!holds(&Op::Ne(json!("off")), json!("Off")));
        assert!(!holds(&Op::Ne(json!("All")), json!(["x", "all"])), "ne: no element equals");
    }

    #[test]
    fn in_and_not_in() {
        let list = vec![json!("SharedMailbox"), json!("RoomMailbox")];
        assert!(holds(&Op::In(list.clone()), json!("roommailbox")));
        assert!(!holds(&Op::In(list.clone()), json!("UserMailbox")));
        assert!(holds(&Op::NotIn(list.clone()), json!("UserMailbox")));
        assert!(!holds(&Op::NotIn(list.clone()), json!("SHAREDMAILBOX")));
        assert!(Op::NotIn(list).holds(None));
        assert!(holds(&Op::In(vec![json!(1), json!(2)]), json!("2")));
    }

    #[test]
    fn like_and_matches() {
        let like = Op::Like(Wildcard::parse("*@contoso.com").unwrap());
        assert!(holds(&like, json!("Admin@Contoso.COM")));
        assert!(!holds(&like, json!("admin@contoso.com.evil")));
        assert!(holds(&like, json!(["x@fabrikam.com", "y@contoso.com"])));
        assert!(!like.holds(None));
        let re = Op::Matches(Pattern::compile(r"^\*:.*contacts").unwrap());
        assert!(holds(&re, json!("*:CalendarSharingFreeBusySimple, ContactsSharing")));
        assert!(!holds(&re, json!("contoso.com:ContactsSharing")));
        let unanchored = Op::Matches(Pattern::compile("audit").unwrap());
        assert!(holds(&unanchored, json!("Mailbox AUDIT on")));
        assert!(holds(&Op::Matches(Pattern::compile("^tru").unwrap()), json!(true)));
    }

    #[test]
    fn ordering_operators() {
        assert!(holds(&Op::Gt(json!(5)), json!(6)) && !holds(&Op::Gt(json!(5)), json!(5)));
        assert!(holds(&Op::Ge(json!(5)), json!(5)) && !holds(&Op::Ge(json!(5)), json!(4)));
        assert!(holds(&Op::Lt(json!(5)), json!(4)) && !holds(&Op::Lt(json!(5)), json!(5)));
        assert!(holds(&Op::Le(json!(25)), json!("25")) && !holds(&Op::Le(json!(25)), json!(26)));
        assert!(holds(&Op::Gt(json!(9)), json!(10)), "numeric, not text: 10 > 9");
        assert!(!Op::Gt(json!(0)).holds(None) && !Op::Le(json!(0)).holds(None));
        assert!(!holds(&Op::Lt(json!(5)), json!("abc")));
        assert!(holds(&Op::Ge(json!("2025-01-01")), json!("2025-06-30T00:00:00Z")));
    }

    #[test]
    fn contains_exists_empty() {
        assert!(holds(&Op::Contains(json!("all")), json!(["All"])));
        assert!(holds(&Op::Contains(json!("point")), json!("SharePoint")));
        assert!(!holds(&Op::Contains(json!("x")), json!(["y"])));
        assert!(holds(&Op::Exists(true), json!("")));
        assert!(!holds(&Op::Exists(true), json!(null)), "null is not present");
        assert!(!Op::Exists(true).holds(None));
        assert!(Op::Exists(false).holds(None) && holds(&Op::Exists(false), json!(null)));
        assert!(holds(&Op::Empty(true), json!("")) && holds(&Op::Empty(true), json!([])));
        assert!(Op::Empty(true).holds(None) && holds(&Op::Empty(true), json!(null)));
        assert!(!holds(&Op::Empty(true), json!(0)) && holds(&Op::Empty(false), json!(["a"])));
    }
}
