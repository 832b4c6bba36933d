//! GDAP relationships → customers (SPEC §6): active relationships only; a customer's
//! roles are the union over its active relationships; `require_roles` excludes those
//! lacking one (a global administrator has every role); customers whose active
//! relationships are all `MLT_` ones are excluded unless `include_mlt`; customers whose
//! active relationships all end within 30 days without auto-extension are warned about.

use super::roles::{self, GLOBAL_ADMINISTRATOR};
use super::{Discovered, Excluded, SourceOutcome};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Warn when every active relationship of a customer ends sooner than this.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// What discovery reads from one relationship.
#[derive(Debug, Clone)]
struct Relationship {
    customer: String,
    name: Option<String>,
    mlt: bool,
    roles: Vec<String>,
    end: Option<time::OffsetDateTime>,
    auto_extends: bool,
}

fn parse(value: &Value) -> Option<Relationship> {
    if !value.get("status").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case("active")) {
        return None;
    }
    let customer = value.get("customer")?;
    let id = customer.get("tenantId")?.as_str()?.trim().to_ascii_lowercase();
    if !crate::profile::check::rules::is_tenant_id(&id) {
        return None;
    }
    let display = value.get("displayName").and_then(Value::as_str).unwrap_or_default();
    let roles = value
        .pointer("/accessDetails/unifiedRoles")
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .filter_map(|r| r.get("roleDefinitionId").and_then(Value::as_str))
                .map(|r| r.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let end = value
        .get("endDateTime")
        .and_then(Value::as_str)
        .and_then(|s| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok());
    let auto = value.get("autoExtendDuration").and_then(Value::as_str).unwrap_or("PT0S");
    Some(Relationship {
        customer: id,
        name: customer
            .get("displayName")
            .and_then(Value::as_str)
            .map(|n| crate::server_text::clean_line(n).into_owned()),
        mlt: display.starts_with("MLT_"),
        roles,
        end,
        auto_extends: !is_zero_duration(auto),
    })
}

/// `PT0S`, `P0D`, ... (an ISO 8601 duration with no non-zero number).
fn is_zero_duration(d: &str) -> bool {
    d.trim().is_empty() || !d.chars().any(|c| c.is_ascii_digit() && c != '0')
}

/// Customers of `relationships` (every page), for a source with these settings.
pub fn customers(
    relationships: &[Value],
    require_roles: &[(String, String)],
    include_mlt: bool,
    now: time::OffsetDateTime,
) -> SourceOutcome {
    let mut by_customer: BTreeMap<String, Vec<Relationship>> = BTreeMap::new();
    for r in relationships.iter().filter_map(parse) {
        by_customer.entry(r.customer.clone()).or_default().push(r);
    }
    let mut out = SourceOutcome::default();
    for (id, all) in by_customer {
        let name = all.iter().find_map(|r| r.name.clone());
        let kept: Vec<&Relationship> = all.iter().filter(|r| include_mlt || !r.mlt).collect();
        if kept.is_empty() {
            out.excluded.push(Excluded {
                id,
                name,
                source: String::new(),
                reason: "only Microsoft-led transition (MLT_) relationships (set `include_mlt: true` to keep them)"
                    .into(),
            });
            continue;
        }
        let held: BTreeSet<String> = kept.iter().flat_map(|r| r.roles.iter().cloned()).collect();
        let missing: Vec<&str> = if held.contains(GLOBAL_ADMINISTRATOR) {
            Vec::new()
        } else {
            require_roles
                .iter()
                .filter(|(rid, _)| !held.contains(rid))
                .map(|(_, written)| written.as_str())
                .collect()
        };
        if !missing.is_empty() {
            let s = if missing.len() == 1 { "" } else { "s" };
            out.excluded.push(Excluded {
                id,
                name,
                source: String::new(),
                reason: format!("missing role{s} {}", missing.join(", ")),
            });
            continue;
        }
        let mut warnings = Vec::new();
        let soon = now + time::Duration::days(EXPIRY_WARNING_DAYS);
        if kept.iter().all(|r| !r.auto_extends && r.end.is_some_and(|e| e <= soon)) {
            let last = kept.iter().filter_map(|r| r.end).max();
            let date = last.map(|e| e.date().to_string()).unwrap_or_default();
            warnings.push(format!(
                "every active GDAP relationship ends within {EXPIRY_WARNING_DAYS} days (last on {date}) and none auto-extends"
            ));
        }
        out.tenants.push(Discovered {
            id,
            name,
            roles: held.iter().map(|r| roles::display(r)).collect(),
            warnings,
            ..Discovered::default()
        });
    }
    out
}

/// Contracts (`customerId`, `displayName`, `defaultDomainName`) → customers.
pub fn contracts(values: &[Value]) -> SourceOutcome {
    let mut out = SourceOutcome::default();
    let mut seen = BTreeSet::new();
    for v in values {
        let Some(id) = v.get("customerId").and_then(Value::as_str).map(|s| s.trim().to_ascii_lowercase())
        else {
            continue;
        };
        if !crate::profile::check::rules::is_tenant_id(&id) || !seen.insert(id.clone()) {
            continue;
        }
        let text = |key: &str| {
            v.get(key).and_then(Value::as_str).map(|s| crate::server_text::clean_line(s).into_owned())
        };
        out.tenants.push(Discovered {
            id,
            name: text("displayName"),
            domain: text("defaultDomainName").map(|d| d.to_ascii_lowercase()),
            ..Discovered::default()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EXO: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
    const CC: &str = "17315797-102d-40b4-93e0-432062caca18";

    fn rel(customer: &str, status: &str, name: &str, roles: &[&str], end: &str, auto: &str) -> Value {
        let roles: Vec<Value> = roles.iter().map(|r| json!({"roleDefinitionId": r})).collect();
        json!({"status": status, "displayName": name, "endDateTime": end, "autoExtendDuration": auto,
               "customer": {"tenantId": customer, "displayName": format!("C {customer}")},
               "accessDetails": {"unifiedRoles": roles}})
    }

    #[test]
    fn roles_unite_mlt_is_excluded_and_expiry_warns() {
        let now = time::macros::datetime!(2026-12-01 0:00 UTC);
        let a = "00000000-0000-4000-8000-00000000000a";
        let b = "00000000-0000-4000-8000-00000000000b";
        let c = "00000000-0000-4000-8000-00000000000c";
        let d = "00000000-0000-4000-8000-00000000000d";
        let rels = vec![
            rel(a, "active", "A1", &[EXO], "2028-01-01T00:00:00Z", "P180D"),
            rel(a, "active", "A2", &[CC], "2028-01-01T00:00:00Z", "PT0S"),
            rel(b, "active", "MLT_x", &[EXO, CC], "2028-01-01T00:00:00Z", "P180D"),
            rel(c, "active", "C1", &[EXO, CC], "2026-12-20T00:00:00Z", "PT0S"),
            rel(d, "terminated", "D1", &[EXO, CC], "2028-01-01T00:00:00Z", "P180D"),
            rel(d, "active", "D2", &[EXO], "2028-01-01T00:00:00Z", "P180D"),
        ];
        let need = vec![
            (EXO.to_string(), "exchange-administrator".to_string()),
            (CC.to_string(), "compliance-administrator".to_string()),
        ];
        let out = customers(&rels, &need, false, now);
        let ids: Vec<&str> = out.tenants.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, [a, c]);
        assert_eq!(out.tenants[0].roles, ["compliance-administrator", "exchange-administrator"]);
        assert!(out.tenants[0].warnings.is_empty());
        assert_eq!(
            out.tenants[1].warnings,
            ["every active GDAP relationship ends within 30 days (last on 2026-12-20) and none auto-extends"]
        );
        let excluded: Vec<(&str, &str)> =
            out.excluded.iter().map(|e| (e.id.as_str(), e.reason.as_str())).collect();
        assert_eq!(
            excluded,
            [
                (b, "only Microsoft-led transition (MLT_) relationships (set `include_mlt: true` to keep them)"),
                (d, "missing role compliance-administrator"),
            ]
        );
        let with_mlt = customers(&rels, &need, true, now);
        assert!(with_mlt.tenants.iter().any(|t| t.id == b));
    }
}
