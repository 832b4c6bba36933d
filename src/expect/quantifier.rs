//! Tallying one expectation over a step's objects, one object at a time, so a
//! 100,000-object result is judged without holding it: counts, whether `any`
//! matched, and the names of the first failing objects.

use super::model::{Expectation, Quantifier};
use super::record::CheckStatus;
use serde_json::Value;

/// Failing objects named on a check line.
pub const MAX_FAILING: usize = 20;

/// Properties that name an object, in order of preference.
pub(crate) const NAME_KEYS: &[&str] = &["Identity", "Name", "Guid", "Id"];

/// The running tally of one expectation.
#[derive(Debug)]
pub struct Tally<'e> {
    expectation: &'e Expectation,
    checked: u64,
    /// Objects that do not match (`all`) or match (`none`, `any`).
    hits: u64,
    failing: Vec<String>,
}

/// What one expectation concluded over all objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub outcome: CheckStatus,
    pub objects_checked: u64,
    pub objects_failing: u64,
    pub failing: Vec<String>,
    pub detail: String,
}

impl<'e> Tally<'e> {
    pub fn new(expectation: &'e Expectation) -> Self {
        Tally { expectation, checked: 0, hits: 0, failing: Vec::new() }
    }

    /// Look at the object at 1-based `position` in server order.
    pub fn observe(&mut self, object: &Value, position: u64) {
        let e = self.expectation;
        if e.filter.as_ref().is_some_and(|w| !w.holds(object)) {
            return;
        }
        self.checked += 1;
        let failing = match &e.quantifier {
            Quantifier::All(m) => !m.holds(object),
            Quantifier::None(m) => m.holds(object),
            Quantifier::Any(m) => {
                // Once one matched, `any` holds: later objects need no evaluation.
                if self.hits == 0 && m.holds(object) {
                    self.hits = 1;
                }
                false
            }
            Quantifier::Count(_) => false,
        };
        if failing {
            self.hits += 1;
            if self.failing.len() < MAX_FAILING {
                self.failing.push(name_of(object, position));
            }
        }
    }

    pub fn finish(self) -> Verdict {
        let n = self.checked;
        let objects = |k: u64| if k == 1 { "1 object".to_string() } else { format!("{k} objects") };
        let does = if self.hits == 1 { "does" } else { "do" };
        let matches = if self.hits == 1 { "matches" } else { "match" };
        let (pass, failing_count, detail) = match &self.expectation.quantifier {
            Quantifier::All(_) if n == 0 => (true, 0, "no objects to check, so `all` holds".to_string()),
            Quantifier::All(_) if self.hits == 0 && n == 1 => (true, 0, "the 1 object matches".to_string()),
            Quantifier::All(_) if self.hits == 0 => (true, 0, format!("all {} match", objects(n))),
            Quantifier::All(_) => {
                (false, self.hits, format!("{} of {} {does} not match", self.hits, objects(n)))
            }
            Quantifier::None(_) if self.hits == 0 => (true, 0, format!("none of {} match", objects(n))),
            Quantifier::None(_) => {
                (false, self.hits, format!("{} of {} {matches}, and none should", self.hits, objects(n)))
            }
            Quantifier::Any(_) if self.hits > 0 => {
                (true, 0, format!("at least one of {} matches", objects(n)))
            }
            Quantifier::Any(_) => {
                (false, n, format!("none of {} match, and at least one should", objects(n)))
            }
            Quantifier::Count(c) if c.holds(n) => {
                (true, 0, format!("{}, {} expected", objects(n), c.describe()))
            }
            Quantifier::Count(c) => (false, n, format!("{}, but {} expected", objects(n), c.describe())),
        };
        let failing = if matches!(self.expectation.quantifier, Quantifier::All(_) | Quantifier::None(_)) {
            self.failing
        } else {
            Vec::new()
        };
        Verdict {
            outcome: if pass { CheckStatus::Pass } else { CheckStatus::Fail },
            objects_checked: n,
            objects_failing: failing_count,
            failing,
            detail,
        }
    }
}

/// An object's name: its first of `Identity`, `Name`, `Guid`, `Id`, else `#N`.
pub fn name_of(object: &Value, position: u64) -> String {
    if let Value::Object(map) = object {
        for key in NAME_KEYS {
            match map.get(*key) {
                Some(Value::String(s)) if !s.is_empty() => return s.clone(),
                Some(Value::Number(n)) => return n.to_string(),
                _ => {}
            }
        }
    }
    format!("#{position}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expect::model::{Condition, Count, Matcher, Operator, Severity};
    use crate::expect::path::PropertyPath;
    use serde_json::json;

    fn matcher(path: &str, op: Operator) -> Matcher {
        Matcher { conditions: vec![(PropertyPath::parse(path).unwrap(), Condition { operators: vec![op] })] }
    }

    fn exp(filter: Option<Matcher>, quantifier: Quantifier) -> Expectation {
        Expectation {
            id: "X".into(),
            title: None,
            severity: Severity::Medium,
            source: None,
            filter,
            quantifier,
        }
    }

    fn judge(e: &Expectation, objects: &[Value]) -> Verdict {
        let mut t = Tally::new(e);
        for (i, o) in objects.iter().enumerate() {
            t.observe(o, i as u64 + 1);
        }
        t.finish()
    }

    fn mailboxes() -> Vec<Value> {
        vec![
            json!({"Identity": "alice", "RecipientTypeDetails": "UserMailbox", "ForwardingSmtpAddress": null}),
            json!({"Identity": "sales", "RecipientTypeDetails": "SharedMailbox", "ForwardingSmtpAddress": "smtp:x@evil.example"}),
            json!({"Name": "hr", "RecipientTypeDetails": "sharedmailbox"}),
            json!({"RecipientTypeDetails": "SharedMailbox", "ForwardingSmtpAddress": "smtp:y@evil.example"}),
        ]
    }

    #[test]
    fn all_names_failing_objects_and_holds_vacuously() {
        let e =
            exp(None, Quantifier::All(matcher("RecipientTypeDetails", Operator::Eq(json!("UserMailbox")))));
        let v = judge(&e, &mailboxes());
        assert_eq!((v.outcome, v.objects_checked, v.objects_failing), (CheckStatus::Fail, 4, 3));
        assert_eq!(v.failing, vec!["sales", "hr", "#4"]);
        assert_eq!(v.detail, "3 of 4 objects do not match");
        let v = judge(&e, &[]);
        assert_eq!((v.outcome, v.objects_checked, v.objects_failing), (CheckStatus::Pass, 0, 0));
        assert_eq!(v.detail, "no objects to check, so `all` holds");
    }

    #[test]
    fn none_with_where() {
        let shared = matcher("RecipientTypeDetails", Operator::Eq(json!("SharedMailbox")));
        let e = exp(Some(shared), Quantifier::None(matcher("ForwardingSmtpAddress", Operator::Exists(true))));
        let v = judge(&e, &mailboxes());
        assert_eq!((v.outcome, v.objects_checked, v.objects_failing), (CheckStatus::Fail, 3, 2));
        assert_eq!(v.failing, vec!["sales", "#4"]);
        let v = judge(&e, &mailboxes()[..1]);
        assert_eq!((v.outcome, v.objects_checked, v.objects_failing), (CheckStatus::Pass, 0, 0));
    }

    #[test]
    fn any_names_nobody() {
        let e = exp(None, Quantifier::Any(matcher("Identity", Operator::Eq(json!("SALES")))));
        let v = judge(&e, &mailboxes());
        assert_eq!((v.outcome, v.objects_checked, v.objects_failing), (CheckStatus::Pass, 4, 0));
        let e = exp(None, Quantifier::Any(matcher("Identity", Operator::Eq(json!("nobody")))));
        let v = judge(&e, &mailboxes());
        assert_eq!((v.outcome, v.objects_checked, v.objects_failing), (CheckStatus::Fail, 4, 4));
        assert!(v.failing.is_empty());
        let v = judge(&e, &[]);
        assert_eq!((v.outcome, v.objects_failing), (CheckStatus::Fail, 0), "`any` over nothing fails");
    }

    #[test]
    fn count_exact_min_max() {
        let e = exp(None, Quantifier::Count(Count { min: None, max: Some(3) }));
        let v = judge(&e, &mailboxes());
        assert_eq!((v.outcome, v.objects_checked, v.objects_failing), (CheckStatus::Fail, 4, 4));
        assert_eq!(v.detail, "4 objects, but at most 3 expected");
        let e = exp(None, Quantifier::Count(Count { min: Some(4), max: Some(4) }));
        assert_eq!(judge(&e, &mailboxes()).outcome, CheckStatus::Pass);
        let e = exp(None, Quantifier::Count(Count { min: Some(1), max: None }));
        assert_eq!(judge(&e, &[]).outcome, CheckStatus::Fail);
        assert_eq!(judge(&e, &mailboxes()[..1]).detail, "1 object, at least 1 expected");
    }

    #[test]
    fn failing_list_is_capped_in_server_order() {
        let e = exp(None, Quantifier::All(matcher("Ok", Operator::Eq(json!(true)))));
        let objects: Vec<Value> = (0..50).map(|i| json!({"Name": format!("o{i}"), "Ok": false})).collect();
        let v = judge(&e, &objects);
        assert_eq!(v.objects_failing, 50);
        assert_eq!(v.failing.len(), MAX_FAILING);
        assert_eq!((v.failing[0].as_str(), v.failing[19].as_str()), ("o0", "o19"));
    }
}
