//! What the emulated Microsoft Graph knows about partners: their GDAP relationships
//! and DAP-era contracts, from the scenario file's `[[partners]]`, or a deterministic
//! default dataset for any partner tenant when the scenario lists none.
//!
//! The default dataset has a customer of every kind discovery must handle: plain active
//! ones, one with two relationships whose roles unite, a global administrator, one whose
//! only relationship expires soon without auto-extension, one lacking the Exchange and
//! compliance roles, a Microsoft-led transition (`MLT_`) one, and customers whose
//! relationships are expired, terminated or still pending approval.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Role template ids the default dataset grants.
const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const COMPLIANCE_ADMIN: &str = "17315797-102d-40b4-93e0-432062caca18";
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
const SECURITY_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";

/// A partner tenant and the customers it has relationships with.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PartnerConfig {
    /// The partner tenant (domain or GUID) whose Graph tokens see these customers.
    pub tenant: String,
    pub customers: Vec<CustomerConfig>,
    /// Extra synthetic customers, each with one active relationship granting the Exchange
    /// and compliance administrator roles (for paging at scale).
    pub generated_customers: usize,
    /// Also serve the default dataset's customers.
    pub default_customers: bool,
    /// Graph answers 403 `Authorization_RequestDenied` to this partner (a missing permission).
    pub permission_denied: bool,
}

/// A customer tenant of a partner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CustomerConfig {
    /// The customer's tenant GUID.
    pub tenant_id: String,
    pub display_name: String,
    /// For `/contracts`; default `<name without spaces>.onmicrosoft.com`.
    pub default_domain_name: Option<String>,
    /// Listed in `/v1.0/contracts`.
    pub contract: bool,
    pub relationships: Vec<RelationshipConfig>,
}

impl Default for CustomerConfig {
    fn default() -> Self {
        CustomerConfig {
            tenant_id: String::new(),
            display_name: String::new(),
            default_domain_name: None,
            contract: true,
            relationships: vec![RelationshipConfig::default()],
        }
    }
}

/// One GDAP relationship.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RelationshipConfig {
    /// Default `<customer> GDAP`; an `MLT_` prefix marks a Microsoft-led transition one.
    pub display_name: Option<String>,
    /// `active`, `expired`, `terminated`, `approvalPending`, ...
    pub status: String,
    /// Role template GUIDs granted.
    pub roles: Vec<String>,
    /// Days from the emulator's start until `endDateTime` (negative: in the past).
    pub ends_in_days: i64,
    /// `autoExtendDuration` `P180D` (true) or `PT0S` (false).
    pub auto_extend: bool,
}

impl Default for RelationshipConfig {
    fn default() -> Self {
        RelationshipConfig {
            display_name: None,
            status: "active".into(),
            roles: vec![EXCHANGE_ADMIN.into(), COMPLIANCE_ADMIN.into()],
            ends_in_days: 700,
            auto_extend: true,
        }
    }
}

/// A partner's Graph objects, built once per partner.
#[derive(Debug, Clone, Default)]
pub struct PartnerData {
    pub relationships: Vec<Value>,
    pub contracts: Vec<Value>,
    pub permission_denied: bool,
}

fn guid(seed: &str) -> String {
    super::registry::derived_guid(seed)
}

fn rel(status: &str, roles: &[&str], ends_in_days: i64, auto_extend: bool) -> RelationshipConfig {
    RelationshipConfig {
        display_name: None,
        status: status.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ends_in_days,
        auto_extend,
    }
}

/// The default dataset's customers for `partner` (stable GUIDs derived from it).
pub fn default_customers(partner: &str) -> Vec<CustomerConfig> {
    let both = [EXCHANGE_ADMIN, COMPLIANCE_ADMIN];
    let active = || rel("active", &both, 700, true);
    let mlt = |name: &str| RelationshipConfig {
        display_name: Some(format!("MLT_{}", guid(&format!("{partner}|mlt|{name}")))),
        ..rel("active", &[DIRECTORY_READERS, GLOBAL_READER], 365, true)
    };
    let customers: Vec<(&str, Vec<RelationshipConfig>, bool)> = vec![
        ("Contoso", vec![rel("active", &[EXCHANGE_ADMIN, COMPLIANCE_ADMIN, GLOBAL_READER], 700, true)], true),
        ("Fabrikam", vec![active()], true),
        (
            "Northwind Traders",
            vec![rel("active", &[EXCHANGE_ADMIN], 500, true), rel("active", &[COMPLIANCE_ADMIN], 400, true)],
            true,
        ),
        ("Adatum", vec![rel("active", &[GLOBAL_ADMIN], 600, true)], true),
        ("Litware", vec![rel("active", &both, 12, false)], false),
        ("Tailspin Toys", vec![rel("active", &[GLOBAL_READER, SECURITY_READER], 700, true)], false),
        ("Wingtip Toys", vec![mlt("Wingtip Toys")], false),
        ("Woodgrove Bank", vec![rel("expired", &both, -30, false), active()], true),
        ("Relecloud", vec![rel("approvalPending", &both, 730, true)], false),
        ("Proseware", vec![rel("terminated", &both, -5, false)], true),
        ("Alpine Ski House", vec![mlt("Alpine Ski House"), active()], false),
        ("Coho Winery", vec![rel("expired", &both, -90, false)], false),
    ];
    customers
        .into_iter()
        .map(|(name, relationships, contract)| CustomerConfig {
            tenant_id: guid(&format!("{partner}|customer|{name}")),
            display_name: name.into(),
            default_domain_name: None,
            contract,
            relationships,
        })
        .collect()
}

/// Build the Graph objects of a partner (`key`: its tenant GUID, seeds generated ids).
pub fn build(key: &str, config: Option<&PartnerConfig>, now: time::OffsetDateTime) -> PartnerData {
    let mut customers = match config {
        None => default_customers(key),
        Some(p) if p.default_customers => default_customers(key),
        Some(_) => Vec::new(),
    };
    if let Some(p) = config {
        customers.extend(p.customers.iter().cloned());
        customers.extend((0..p.generated_customers).map(|n| CustomerConfig {
            tenant_id: guid(&format!("{key}|generated|{n}")),
            display_name: format!("Customer {n:05}"),
            ..CustomerConfig::default()
        }));
    }
    let mut data =
        PartnerData { permission_denied: config.is_some_and(|p| p.permission_denied), ..Default::default() };
    for c in &customers {
        for (n, r) in c.relationships.iter().enumerate() {
            data.relationships.push(relationship(c, r, n, now));
        }
        if c.contract {
            data.contracts.push(json!({
                "@odata.type": "#microsoft.graph.contract",
                "id": guid(&format!("{}|contract", c.tenant_id)),
                "contractType": "ResellerPartner",
                "customerId": c.tenant_id,
                "defaultDomainName": domain(c),
                "displayName": c.display_name,
            }));
        }
    }
    data
}

fn domain(c: &CustomerConfig) -> String {
    c.default_domain_name.clone().unwrap_or_else(|| {
        let slug: String = c.display_name.chars().filter(|ch| ch.is_ascii_alphanumeric()).collect();
        format!("{}.onmicrosoft.com", slug.to_ascii_lowercase())
    })
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A `delegatedAdminRelationship` as Graph returns it.
fn relationship(c: &CustomerConfig, r: &RelationshipConfig, n: usize, now: time::OffsetDateTime) -> Value {
    let days = time::Duration::days;
    let end = now + days(r.ends_in_days);
    let start = end - days(730);
    let name = r.display_name.clone().unwrap_or_else(|| match n {
        0 => format!("{} GDAP", c.display_name),
        _ => format!("{} GDAP {}", c.display_name, n + 1),
    });
    let roles: Vec<Value> = r.roles.iter().map(|id| json!({ "roleDefinitionId": id })).collect();
    let active = !matches!(r.status.as_str(), "approvalPending" | "created" | "approved");
    json!({
        "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
        "id": format!("{}-{}", guid(&format!("{}|rel|{n}", c.tenant_id)), c.tenant_id),
        "displayName": name,
        "duration": "P730D",
        "status": r.status,
        "autoExtendDuration": if r.auto_extend { "P180D" } else { "PT0S" },
        "createdDateTime": rfc3339(start - days(1)),
        "lastModifiedDateTime": rfc3339(start),
        "activatedDateTime": if active { Value::String(rfc3339(start)) } else { Value::Null },
        "endDateTime": if active { Value::String(rfc3339(end)) } else { Value::Null },
        "customer": { "tenantId": c.tenant_id, "displayName": c.display_name },
        "accessDetails": { "unifiedRoles": roles },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_dataset_is_deterministic_and_has_every_kind() {
        let now = time::OffsetDateTime::now_utc();
        let a = build("p", None, now);
        let b = build("p", None, now);
        assert_eq!(a.relationships, b.relationships);
        let statuses: Vec<&str> = a.relationships.iter().filter_map(|r| r["status"].as_str()).collect();
        for s in ["active", "expired", "terminated", "approvalPending"] {
            assert!(statuses.contains(&s), "{s}: {statuses:?}");
        }
        assert!(a
            .relationships
            .iter()
            .any(|r| r["displayName"].as_str().is_some_and(|n| n.starts_with("MLT_"))));
        assert_ne!(build("q", None, now).relationships[0]["customer"], a.relationships[0]["customer"]);
        assert_eq!(a.contracts.len(), 6);
    }

    #[test]
    fn scenario_files_list_partners_customers_and_relationships() {
        let text = r#"
            graph_page_size = 50
            [[partners]]
            tenant = "partner.onmicrosoft.com"
            generated_customers = 2
            [[partners.customers]]
            tenant_id = "00000000-0000-4000-8000-0000000000c1"
            display_name = "Contoso"
            contract = false
            [[partners.customers.relationships]]
            display_name = "MLT_1"
            status = "expired"
            roles = ["29232cdf-9323-42fd-ade2-1d097af3e4de"]
            ends_in_days = -3
            auto_extend = false
        "#;
        let config: super::super::EmulatorConfig = toml::from_str(text).unwrap_or_default();
        assert_eq!(config.graph_page_size, 50);
        let p = &config.partners[0];
        let data = build("k", Some(p), time::OffsetDateTime::now_utc());
        assert_eq!(data.relationships.len(), 3);
        assert_eq!(data.relationships[0]["status"], "expired");
        assert_eq!(data.relationships[0]["displayName"], "MLT_1");
        assert_eq!(data.relationships[0]["autoExtendDuration"], "PT0S");
        assert_eq!(data.contracts.len(), 2, "Contoso has no contract; the generated ones do");
    }
}
