//! Deterministic synthetic objects per tenant and cmdlet: the same (seed, tenant, cmdlet)
//! always gives the same objects, shaped like the real cmdlets' output (with the OData
//! type annotations the real service adds). Items are serialised once, when the table is
//! built, so pages are assembled by concatenation.

use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// One object, parsed (for `$select`, filters, writes) and pre-serialised.
#[derive(Debug, Clone)]
pub struct Item {
    pub value: Arc<Map<String, Value>>,
    pub json: Bytes,
}

impl Item {
    pub fn new(value: Map<String, Value>) -> Self {
        let json = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
        Item { value: Arc::new(value), json }
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.value.get(key).and_then(Value::as_str)
    }
}

/// All objects a cmdlet returns for a tenant, in server order.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub items: Vec<Item>,
}

impl Table {
    pub fn from_values(values: Vec<Map<String, Value>>) -> Self {
        Table { items: values.into_iter().map(Item::new).collect() }
    }
}

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, tenant: &str, what: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for b in tenant.bytes().chain([0u8]).chain(what.bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    pub fn guid(&mut self) -> String {
        let bytes = ((u128::from(self.next()) << 64) | u128::from(self.next())).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }

    /// An ISO timestamp between 2019 and 2025.
    pub fn date(&mut self) -> String {
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
            self.range(2019, 2025),
            self.range(1, 12),
            self.range(1, 28),
            self.range(0, 23),
            self.range(0, 59),
            self.range(0, 59)
        )
    }
}

/// Facts about a tenant used to shape its objects.
#[derive(Debug, Clone)]
pub struct TenantFacts {
    /// Canonical key.
    pub key: String,
    pub guid: String,
    /// Short name (`contoso`).
    pub label: String,
    /// The initial domain (`contoso.onmicrosoft.com`).
    pub domain: String,
}

impl TenantFacts {
    pub fn new(key: &str, guid: &str) -> Self {
        let label = if super::registry::is_guid(key) {
            format!("tenant{}", &key.replace('-', "")[..8])
        } else {
            key.split('.').next().unwrap_or(key).to_string()
        };
        let domain =
            if key.ends_with(".onmicrosoft.com") || (!super::registry::is_guid(key) && key.contains('.')) {
                key.to_string()
            } else {
                format!("{label}.onmicrosoft.com")
            };
        TenantFacts { key: key.into(), guid: guid.into(), label, domain }
    }
}

/// How many objects `cmdlet` returns in a tenant when not configured.
pub fn default_size(seed: u64, tenant: &str, cmdlet: &str) -> usize {
    let mut r = Rng::new(seed, tenant, "size");
    let big = r.next().is_multiple_of(8);
    let mut r = Rng::new(seed, tenant, cmdlet);
    (match cmdlet {
        "Get-Label" => r.range(5, 15),
        "Get-LabelPolicy" => r.range(1, 4),
        "Get-DlpCompliancePolicy" => r.range(2, 8),
        "Get-RetentionCompliancePolicy" => r.range(1, 10),
        "Get-ProtectionAlert" => r.range(12, 30),
        "Get-ComplianceSearch" => r.range(0, 6),
        "Get-Mailbox" if big => r.range(1500, 3500),
        "Get-Mailbox" => r.range(10, 300),
        "Get-AcceptedDomain" => r.range(2, 5),
        _ => 1,
    }) as usize
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn common(m: &mut Map<String, Value>, guid: &str, when: &str) {
    m.insert("@odata.type".into(), json!("#Exchange.GenericHashTable"));
    m.insert("Guid@odata.type".into(), json!("#Guid"));
    m.insert("Guid".into(), json!(guid));
    m.insert("WhenCreatedUTC@odata.type".into(), json!("#DateTime"));
    m.insert("WhenCreatedUTC".into(), json!(when));
    m.insert("WhenChangedUTC".into(), json!(when));
}

const LABELS: &[&str] = &[
    "Public",
    "General",
    "Internal",
    "Confidential",
    "Highly Confidential",
    "Restricted",
    "Personal",
    "Finance",
    "Legal",
    "HR",
    "Board Only",
    "Partner Shared",
    "Project Falcon",
    "Export Controlled",
    "Customer Data",
    "Source Code",
];
const DLP: &[&str] = &[
    "U.S. Financial Data",
    "GDPR Enhanced",
    "PCI Data Security Standard (PCI DSS)",
    "U.K. Personal Data",
    "Health Insurance Act (HIPAA)",
    "Australia Privacy Act",
    "Credit Card Numbers",
    "Source Code Leakage",
    "Canada PIPEDA",
];
const SITS: &[&str] = &[
    "Credit Card Number",
    "U.S. Social Security Number (SSN)",
    "EU Debit Card Number",
    "International Banking Account Number (IBAN)",
    "U.K. National Insurance Number (NINO)",
    "ABA Routing Number",
    "Azure Storage Account Key",
];
const ALERTS: &[(&str, &str, &str)] = &[
    ("Suspicious email sending patterns detected", "Medium", "ThreatManagement"),
    ("Malware campaign detected after delivery", "Informational", "ThreatManagement"),
    ("Email messages containing malicious URL removed after delivery", "Informational", "ThreatManagement"),
    ("Unusual external user file activity", "High", "DataGovernance"),
    ("Elevation of Exchange admin privilege", "Low", "PermissionsManagement"),
    ("Creation of forwarding/redirect rule", "Informational", "ThreatManagement"),
    ("Messages have been delayed", "High", "MailFlow"),
    ("User restricted from sending email", "High", "ThreatManagement"),
    ("eDiscovery search started or exported", "Medium", "ThreatManagement"),
    ("A potentially malicious URL click was detected", "High", "ThreatManagement"),
    ("Tenant restricted from sending email", "High", "ThreatManagement"),
    ("Admin triggered manual investigation of email", "Informational", "ThreatManagement"),
];
const FIRST: &[&str] = &[
    "Adele",
    "Alex",
    "Allan",
    "Bianca",
    "Christie",
    "Debra",
    "Diego",
    "Emily",
    "Enrico",
    "Grady",
    "Henrietta",
    "Irvin",
    "Isaiah",
    "Johanna",
    "Joni",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Patti",
    "Pradeep",
];
const LAST: &[&str] = &[
    "Vance",
    "Wilber",
    "Bowen",
    "Cline",
    "Rodriguez",
    "Braun",
    "Sanders",
    "Gonzalez",
    "Steele",
    "Holt",
    "Patel",
    "Zaragoza",
    "Sherman",
    "Lambert",
    "Weber",
    "Ortiz",
    "Moss",
    "Adams",
    "Kaur",
    "Nguyen",
    "Novak",
];
const DEPARTMENTS: &[&str] =
    &["Sales", "Finance", "Legal", "Engineering", "Marketing", "Operations", "HR", "IT"];

/// Generate the objects of `cmdlet` for a tenant.
pub fn generate(seed: u64, t: &TenantFacts, cmdlet: &str, size: usize) -> Table {
    let mut r = Rng::new(seed, &t.key, cmdlet);
    let values: Vec<Map<String, Value>> = match cmdlet {
        "Get-Label" => (0..size).map(|i| label(&mut r, t, i)).collect(),
        "Get-LabelPolicy" => label_policies(seed, t, &mut r, size),
        "Get-DlpCompliancePolicy" => (0..size).map(|i| dlp_policy(&mut r, i)).collect(),
        "Get-DlpComplianceRule" => dlp_rules(seed, t, &mut r),
        "Get-RetentionCompliancePolicy" => (0..size).map(|i| retention(&mut r, i)).collect(),
        "Get-ProtectionAlert" => (0..size).map(|i| alert(&mut r, i)).collect(),
        "Get-ComplianceSearch" => {
            (0..size).map(|i| compliance_search(&mut r, t, &format!("Search {}", i + 1), "", "")).collect()
        }
        "Get-AdminAuditLogConfig" => vec![audit_config(&mut r, t)],
        "Get-Mailbox" => (0..size).map(|i| mailbox(&mut r, t, i)).collect(),
        "Get-OrganizationConfig" => vec![organization_config(&mut r, t)],
        "Get-AcceptedDomain" => accepted_domains(&mut r, t, size),
        other => super::dataset_baseline::generate(&mut r, t, other).unwrap_or_default(),
    };
    Table::from_values(values)
}

fn label(r: &mut Rng, t: &TenantFacts, i: usize) -> Map<String, Value> {
    let base = LABELS[i % LABELS.len()];
    let name = if i < LABELS.len() { base.to_string() } else { format!("{base} {}", i / LABELS.len() + 1) };
    let guid = r.guid();
    let when = r.date();
    let mut m = obj(json!({
        "Name": name, "DisplayName": name, "Identity": guid, "ImmutableId": guid,
        "Priority": i, "ParentId": Value::Null, "ContentType": "File, Email, Site, UnifiedGroup",
        "Tooltip": format!("Apply {name} to content that needs {name} protection."),
        "Comment": "", "Disabled": false, "Mode": "Enforce",
        "Workload": "Exchange, SharePoint, OneDriveForBusiness", "Policy": "",
        "LabelActions": if r.chance(40) { json!(["{\"Type\":\"encrypt\",\"SubType\":null,\"Settings\":[{\"Key\":\"protectiontype\",\"Value\":\"template\"}]}"]) } else { json!([]) },
        "Settings": ["[color, #FF0000]", format!("[contenttype, {}]", "File, Email")],
        "LocaleSettings": [],
        "CreatedBy": format!("admin@{}", t.domain), "LastModifiedBy": format!("admin@{}", t.domain),
        "ExchangeObjectId": r.guid(), "OrganizationId": t.guid,
    }));
    common(&mut m, &guid, &when);
    m
}

fn label_policies(seed: u64, t: &TenantFacts, r: &mut Rng, size: usize) -> Vec<Map<String, Value>> {
    let labels = generate(seed, t, "Get-Label", default_size(seed, &t.key, "Get-Label").min(6));
    let names: Vec<Value> = labels.items.iter().filter_map(|l| l.str("Name").map(|s| json!(s))).collect();
    (0..size)
        .map(|i| {
            let name = if i == 0 { "Global sensitivity label policy".to_string() } else { format!("Label policy {}", i + 1) };
            let guid = r.guid();
            let when = r.date();
            let mut m = obj(json!({
                "Name": name, "Identity": guid, "Enabled": true, "Mode": "Enforce", "Type": "PublishedSensitivityLabel",
                "Labels": names, "ScopedLabels": [], "Priority": i,
                "ExchangeLocation": ["All"], "ModernGroupLocation": [], "Workload": "Exchange, SharePoint, OneDriveForBusiness",
                "Settings": ["[requiredowngradejustification, true]", "[mandatory, false]"],
                "DistributionStatus": "Success", "Comment": "",
                "CreatedBy": format!("admin@{}", t.domain), "LastModifiedBy": format!("admin@{}", t.domain),
            }));
            common(&mut m, &guid, &when);
            m
        })
        .collect()
}

fn dlp_policy(r: &mut Rng, i: usize) -> Map<String, Value> {
    let base = DLP[i % DLP.len()];
    let name = if i < DLP.len() { base.to_string() } else { format!("{base} {}", i / DLP.len() + 1) };
    let guid = r.guid();
    let when = r.date();
    let mode = *r.pick(&["Enable", "TestWithNotifications", "TestWithoutNotifications", "Disable"]);
    let mut m = obj(json!({
        "Name": name, "Identity": guid, "Mode": mode, "Enabled": mode != "Disable", "Priority": i, "Type": "Dlp",
        "Workload": "Exchange, SharePoint, OneDriveForBusiness, Teams",
        "ExchangeLocation": ["All"], "SharePointLocation": ["All"], "OneDriveLocation": ["All"], "TeamsLocation": ["All"],
        "ExceptIfOneDriveSharedBy": [], "DistributionStatus": if r.chance(90) { "Success" } else { "Pending" },
        "Comment": "", "IsSimulationPolicy": false,
        "CreatedBy": "Compliance Administrator", "LastModifiedBy": "Compliance Administrator",
    }));
    common(&mut m, &guid, &when);
    m
}

fn dlp_rules(seed: u64, t: &TenantFacts, r: &mut Rng) -> Vec<Map<String, Value>> {
    let size = default_size(seed, &t.key, "Get-DlpCompliancePolicy");
    let policies = generate(seed, t, "Get-DlpCompliancePolicy", size);
    let mut out = Vec::new();
    for p in &policies.items {
        let pname = p.str("Name").unwrap_or_default().to_string();
        let pguid = p.str("Guid").unwrap_or_default().to_string();
        for j in 0..r.range(1, 3) {
            let guid = r.guid();
            let when = r.date();
            let sit = *r.pick(SITS);
            let volume = if j == 0 { "Low volume" } else { "High volume" };
            let mut m = obj(json!({
                "Name": format!("{volume} of content detected {pname}"), "Identity": guid,
                "Policy": pguid, "ParentPolicyName": pname, "Priority": j, "Disabled": false, "Mode": "Enforce",
                "ContentContainsSensitiveInformation": [{"name": sit, "mincount": if j == 0 { "1" } else { "10" }, "maxcount": if j == 0 { "9" } else { "-1" }}],
                "BlockAccess": j > 0, "NotifyUser": ["Owner", "SiteAdmin", "LastModifier"], "GenerateIncidentReport": ["SiteAdmin"],
                "ReportSeverityLevel": if j == 0 { "Low" } else { "High" }, "Comment": "",
            }));
            common(&mut m, &guid, &when);
            out.push(m);
        }
    }
    out
}

fn retention(r: &mut Rng, i: usize) -> Map<String, Value> {
    let kinds =
        ["Mailboxes 7y", "SharePoint 10y", "Teams chats 1y", "Finance records", "Legal hold", "OneDrive 3y"];
    let base = kinds[i % kinds.len()];
    let name = if i < kinds.len() { base.to_string() } else { format!("{base} {}", i / kinds.len() + 1) };
    let guid = r.guid();
    let when = r.date();
    let mut m = obj(json!({
        "Name": name, "Identity": guid, "Enabled": true, "Mode": "Enforce", "Type": "Retention",
        "Workload": "Exchange, SharePoint, OneDriveForBusiness", "RestrictiveRetention": r.chance(10),
        "ExchangeLocation": ["All"], "SharePointLocation": if r.chance(50) { json!(["All"]) } else { json!([]) },
        "ModernGroupLocation": [], "TeamsChannelLocation": [], "TeamsChatLocation": [],
        "DistributionStatus": "Success", "IsSimulationPolicy": false, "Comment": "", "AdaptiveScopeLocation": [],
    }));
    common(&mut m, &guid, &when);
    m
}

fn alert(r: &mut Rng, i: usize) -> Map<String, Value> {
    let (base, severity, category) = ALERTS[i % ALERTS.len()];
    let name = if i < ALERTS.len() { base.to_string() } else { format!("{base} ({})", i / ALERTS.len() + 1) };
    let guid = r.guid();
    let when = r.date();
    let mut m = obj(json!({
        "Name": name, "Identity": format!("FFO.extest.microsoft.com/Microsoft Exchange Hosted Organizations/{}/{name}", guid),
        "Severity": severity, "Category": category, "Disabled": r.chance(5), "IsSystemRule": i < ALERTS.len(),
        "AggregationType": "SimpleAggregation", "ThreatType": "Activity", "NotifyUser": ["TenantAdmins"],
        "NotificationEnabled": true, "Operation": [], "Comment": "", "Severity@odata.type": "#String",
    }));
    common(&mut m, &guid, &when);
    m
}

/// A ComplianceSearch object (also built by `New-ComplianceSearch`).
pub fn compliance_search(
    r: &mut Rng,
    t: &TenantFacts,
    name: &str,
    query: &str,
    description: &str,
) -> Map<String, Value> {
    let guid = r.guid();
    let when = r.date();
    let mut m = obj(json!({
        "Name": name, "Identity": guid, "Description": description,
        "Status": "NotStarted", "ContentMatchQuery": query, "ExchangeLocation": ["All"], "SharePointLocation": [],
        "PublicFolderLocation": [], "CreatedBy": format!("admin@{}", t.domain), "RunBy": "",
        "Items": 0, "Size": 0, "Case": "", "Errors": "",
    }));
    common(&mut m, &guid, &when);
    m
}

fn audit_config(r: &mut Rng, t: &TenantFacts) -> Map<String, Value> {
    let guid = r.guid();
    let when = r.date();
    let mut m = obj(json!({
        "Name": "Admin Audit Log Settings", "Identity": "Admin Audit Log Settings",
        "AdminAuditLogEnabled": true, "UnifiedAuditLogIngestionEnabled": !r.chance(15),
        "UnifiedAuditLogFirstOptInDate": when, "AdminAuditLogCmdlets": ["*"], "AdminAuditLogParameters": ["*"],
        "AdminAuditLogExcludedCmdlets": [], "AdminAuditLogAgeLimit": if super::dataset_baseline::setting(t, "AuditAge").chance(25) { "30.00:00:00" } else { "90.00:00:00" }, "LogLevel": "None",
        "TestCmdletLoggingEnabled": false, "OrganizationId": t.guid,
    }));
    common(&mut m, &guid, &when);
    m
}

fn mailbox(r: &mut Rng, t: &TenantFacts, i: usize) -> Map<String, Value> {
    let roll = r.next() % 100;
    let (kind, first, last) = if roll < 80 {
        ("UserMailbox", *r.pick(FIRST), *r.pick(LAST))
    } else if roll < 92 {
        ("SharedMailbox", *r.pick(DEPARTMENTS), "Team")
    } else if roll < 97 {
        ("RoomMailbox", "Room", *r.pick(&["Orion", "Vega", "Lyra", "Draco", "Cygnus"]))
    } else {
        ("EquipmentMailbox", "Projector", *r.pick(&["A", "B", "C"]))
    };
    let alias = format!("{}.{}{}", first.to_ascii_lowercase(), last.to_ascii_lowercase(), i + 1);
    let display = format!("{first} {last} {}", i + 1);
    let guid = r.guid();
    let when = r.date();
    let upn = format!("{alias}@{}", t.domain);
    let mut m = obj(json!({
        "Name": alias, "DisplayName": display, "Alias": alias, "Identity": alias,
        "UserPrincipalName": upn, "PrimarySmtpAddress": upn, "WindowsEmailAddress": upn,
        "EmailAddresses": [format!("SMTP:{upn}"), format!("smtp:{alias}@{}.mail.onmicrosoft.com", t.label)],
        "RecipientType": "UserMailbox", "RecipientTypeDetails": kind,
        "ExchangeGuid": r.guid(), "ExternalDirectoryObjectId": r.guid(),
        "Department": *r.pick(DEPARTMENTS), "Office": *r.pick(&["Paris", "Seattle", "Berlin", "Sydney", "Tokyo"]),
        "LitigationHoldEnabled": r.chance(10), "RetentionHoldEnabled": false, "RetentionPolicy": "Default MRM Policy",
        "ArchiveStatus": if r.chance(30) { "Active" } else { "None" }, "AuditEnabled": true,
        "HiddenFromAddressListsEnabled": kind != "UserMailbox" && r.chance(50), "IsMailboxEnabled": true,
        "IsInactiveMailbox": false, "ProhibitSendQuota": "99 GB (106,300,440,576 bytes)",
        "Database": format!("EURPR0{}DG{:03}-db{:03}", r.range(1, 9), r.range(1, 400), r.range(1, 200)),
        "WhenMailboxCreated": when, "CustomAttribute1": "",
        "ForwardingAddress": Value::Null,
        "ForwardingSmtpAddress": if kind == "SharedMailbox" && super::dataset_baseline::setting(t, &alias).chance(6) {
            json!(format!("smtp:{alias}@partner-{}.example", t.label))
        } else {
            Value::Null
        },
        "DeliverToMailboxAndForward": false,
    }));
    common(&mut m, &guid, &when);
    m
}

fn organization_config(r: &mut Rng, t: &TenantFacts) -> Map<String, Value> {
    let guid = r.guid();
    let when = r.date();
    let mut m = obj(json!({
        "Name": t.domain, "DisplayName": t.label, "Identity": t.domain, "ExchangeObjectId": t.guid,
        "AuditDisabled": super::dataset_baseline::setting(t, "AuditDisabled").chance(15),
        "OAuth2ClientProfileEnabled": !super::dataset_baseline::setting(t, "OAuth2").chance(15), "IsDehydrated": false,
        "CustomerLockBoxEnabled": r.chance(20), "SendFromAliasEnabled": false, "FocusedInboxOn": true,
        "MailTipsAllTipsEnabled": true,
        "MailTipsExternalRecipientsTipsEnabled": super::dataset_baseline::setting(t, "MailTips").chance(60),
        "MailTipsGroupMetricsEnabled": true, "MailTipsLargeAudienceThreshold": 25,
        "ActivityBasedAuthenticationTimeoutEnabled": true, "ActivityBasedAuthenticationTimeoutInterval": "06:00:00",
        "EwsEnabled": Value::Null, "EwsAllowList": [], "EwsBlockList": [],
        "PublicFoldersEnabled": "Local", "ReadTrackingEnabled": false, "AutoExpandingArchiveEnabled": r.chance(30),
        "DefaultAuthenticationPolicy": Value::Null, "ElcProcessingDisabled": false,
    }));
    common(&mut m, &guid, &when);
    m
}

fn accepted_domains(r: &mut Rng, t: &TenantFacts, size: usize) -> Vec<Map<String, Value>> {
    let mut names = vec![t.domain.clone(), format!("{}.mail.onmicrosoft.com", t.label)];
    let tlds = ["com", "net", "org", "eu", "co.uk", "de"];
    let mut k = 0;
    while names.len() < size.max(1) {
        names.push(format!(
            "{}{}.{}",
            t.label,
            if k == 0 { String::new() } else { k.to_string() },
            tlds[k % tlds.len()]
        ));
        k += 1;
    }
    names.truncate(size.max(1));
    names
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let guid = r.guid();
            let when = r.date();
            let mut m = obj(json!({
                "Name": d, "DomainName": d, "Identity": d, "DomainType": "Authoritative",
                "Default": i == 0, "InitialDomain": i == 0, "IsValid": true, "AddressBookEnabled": true,
                "MatchSubDomains": false, "SendingFromDomainDisabled": false,
            }));
            common(&mut m, &guid, &when);
            m
        })
        .collect()
}
