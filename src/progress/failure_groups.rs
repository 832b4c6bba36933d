//! Identical failures collapsed: steps that failed the same way (same cmdlet, kind,
//! exception type and message once the tenant's own id and name, GUIDs and timestamps are
//! masked) form one group, listed once with its tenants ("AADSTS700016 … in 212 tenants:
//! a, b, c, …").

use crate::output::{StepRecord, StepStatus};
use std::collections::HashMap;

/// One group of identical failures.
#[derive(Debug, PartialEq)]
pub struct FailureGroup<'a> {
    pub cmdlet: &'a str,
    pub kind: &'a str,
    /// The exception type the service named (`error.type`), when it named one.
    pub exception_type: Option<&'a str>,
    /// The message as one tenant saw it when the group has one tenant, else masked.
    pub message: String,
    /// The failed steps, in record order.
    pub records: Vec<&'a StepRecord>,
}

impl FailureGroup<'_> {
    /// Distinct tenants of the group, by id.
    pub fn tenants(&self) -> Vec<&StepRecord> {
        let mut seen = std::collections::HashSet::new();
        let mut all: Vec<&StepRecord> =
            self.records.iter().copied().filter(|r| seen.insert(r.tenant.as_str())).collect();
        all.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        all
    }
}

/// The failed records grouped, largest group first (then first seen).
pub fn group_failures(records: &[StepRecord]) -> Vec<FailureGroup<'_>> {
    let mut index: HashMap<(String, String, Option<&str>, String), usize> = HashMap::new();
    let mut groups: Vec<FailureGroup<'_>> = Vec::new();
    for r in records.iter().filter(|r| r.status == StepStatus::Failed) {
        let (kind, exception_type, message) = match &r.error {
            Some(e) => (e.kind.as_str(), e.exception_type.as_deref(), e.message.as_str()),
            None => ("", None, ""),
        };
        let masked = mask(message, &r.tenant, r.tenant_name.as_deref());
        let key = (r.cmdlet.clone(), kind.to_string(), exception_type, masked.clone());
        match index.get(&key) {
            Some(&i) => {
                groups[i].records.push(r);
                groups[i].message = masked;
            }
            None => {
                index.insert(key, groups.len());
                groups.push(FailureGroup {
                    cmdlet: &r.cmdlet,
                    kind,
                    exception_type,
                    message: message.to_string(),
                    records: vec![r],
                });
            }
        }
    }
    // Stable: equal sizes keep first-seen order.
    groups.sort_by_key(|g| std::cmp::Reverse(g.records.len()));
    groups
}

/// `message` with what differs between tenants masked: the tenant's id and name, GUIDs,
/// and timestamps (Entra's "Trace ID … Timestamp: 2026-12-01 10:00:00Z").
pub fn mask(message: &str, tenant: &str, name: Option<&str>) -> String {
    let mut text = replace_ignore_case(message, tenant, "<tenant>");
    if let Some(name) = name.filter(|n| n.len() >= 3) {
        text = replace_ignore_case(&text, name, "<tenant>");
    }
    let words: Vec<String> = text.split(' ').map(mask_word).collect();
    words.join(" ")
}

fn replace_ignore_case(text: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return text.to_string();
    }
    let lower = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, _) in lower.match_indices(&needle) {
        if i < last || !text.is_char_boundary(i) || !text.is_char_boundary(i + needle.len()) {
            continue;
        }
        out.push_str(&text[last..i]);
        out.push_str(with);
        last = i + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

/// A word holding a GUID keeps its surroundings; a time or date word becomes `<time>`.
fn mask_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(c) = rest.chars().next() {
        match rest.get(..36) {
            Some(head) if is_guid(head.as_bytes()) => {
                out.push_str("<guid>");
                rest = &rest[36..];
            }
            _ => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if out != word {
        return out;
    }
    let digits = word.chars().filter(char::is_ascii_digit).count();
    let timeish = word.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | '.' | 'T' | 'Z' | ','));
    if timeish && digits >= 4 && word.contains([':', '-']) {
        "<time>".to_string()
    } else {
        word.to_string()
    }
}

fn is_guid(b: &[u8]) -> bool {
    b.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_guids_and_times_are_masked() {
        let m =
            "AADSTS700016: Application with identifier '3b9a7c44-0000-4000-8000-000000000001' was not found \
                 in the directory 'Contoso.onmicrosoft.com'. Trace ID: 0f0e0d0c-0000-4000-8000-000000000002 \
                 Timestamp: 2026-12-01 10:00:00Z";
        assert_eq!(
            mask(m, "contoso.onmicrosoft.com", Some("Contoso")),
            "AADSTS700016: Application with identifier '<guid>' was not found in the directory '<tenant>'. \
             Trace ID: <guid> Timestamp: <time> <time>"
        );
    }
}
