//! The objects of the Exchange Online settings cmdlets a security baseline reads
//! (remote domains, DKIM, transport, sharing, malware/connection/outbound spam
//! filters, OWA policy), shaped like the real cmdlets' output. Values vary by
//! tenant, deterministically, so a baseline run shows some tenants passing and
//! some failing each control (`profiles/baseline/`).

use super::dataset::{Rng, TenantFacts};
use serde_json::{json, Map, Value};

/// A deterministic draw for a baseline setting of a tenant, independent of the other
/// datasets' random streams (so adding a setting changes no other object).
pub fn setting(t: &TenantFacts, what: &str) -> Rng {
    Rng::new(0x5c0b_a000, &t.key, what)
}

/// The objects of `cmdlet`, or `None` when this file does not know it.
pub fn generate(r: &mut Rng, t: &TenantFacts, cmdlet: &str) -> Option<Vec<Map<String, Value>>> {
    let one = |v: Value| match v {
        Value::Object(m) => vec![m],
        _ => Vec::new(),
    };
    Some(match cmdlet {
        "Get-RemoteDomain" => {
            let mut out = one(json!({
                "Name": "Default", "Identity": "Default", "DomainName": "*",
                "AutoForwardEnabled": r.chance(35), "AutoReplyEnabled": true, "DeliveryReportEnabled": true,
                "NDREnabled": true, "TNEFEnabled": Value::Null, "AllowedOOFType": "External",
            }));
            if r.chance(30) {
                out.extend(one(json!({
                    "Name": "Partner", "Identity": "Partner", "DomainName": format!("partner-{}.example", t.label),
                    "AutoForwardEnabled": true, "AutoReplyEnabled": true, "DeliveryReportEnabled": true,
                    "NDREnabled": true, "TNEFEnabled": Value::Null, "AllowedOOFType": "External",
                })));
            }
            out
        }
        "Get-DkimSigningConfig" => [t.domain.clone(), format!("{}.com", t.label)]
            .iter()
            .map(|d| {
                let enabled = r.chance(75);
                let m = json!({
                    "Name": d, "Identity": d, "Domain": d, "Enabled": enabled,
                    "Status": if enabled { "Valid" } else { "CnameMissing" },
                    "Selector1CNAME": format!("selector1-{}._domainkey.{}.onmicrosoft.com", d.replace('.', "-"), t.label),
                    "KeySize": 2048, "Algorithm": "RsaSHA256",
                });
                match m {
                    Value::Object(o) => o,
                    _ => Map::new(),
                }
            })
            .collect(),
        "Get-TransportConfig" => one(json!({
            "Name": "Transport Settings", "Identity": "Transport Settings",
            "SmtpClientAuthenticationDisabled": r.chance(65), "MaxSendSize": "35 MB (36,700,160 bytes)",
            "MaxReceiveSize": "36 MB (37,748,736 bytes)", "ExternalPostmasterAddress": Value::Null,
            "ReplyAllStormProtectionEnabled": true,
        })),
        "Get-SharingPolicy" => {
            let mut domains = vec![if r.chance(45) {
                "*:CalendarSharingFreeBusyDetail, ContactsSharing"
            } else if r.chance(20) {
                "*:CalendarSharingFreeBusySimple, ContactsSharing"
            } else {
                "*:CalendarSharingFreeBusySimple"
            }];
            if r.chance(50) {
                domains.push("Anonymous:CalendarSharingFreeBusyReviewer");
            }
            one(json!({
                "Name": "Default Sharing Policy", "Identity": "Default Sharing Policy",
                "Domains": domains, "Enabled": true, "Default": true,
            }))
        }
        "Get-MalwareFilterPolicy" => one(json!({
            "Name": "Default", "Identity": "Default", "IsDefault": true,
            "EnableFileFilter": r.chance(70), "FileTypeAction": "Reject",
            "FileTypes": ["ace", "ani", "apk", "app", "cab", "cmd", "com", "deb", "dmg", "exe", "iso", "jar", "js", "lnk", "msi", "scr", "vbs"],
            "EnableInternalSenderAdminNotifications": r.chance(50), "ZapEnabled": true,
        })),
        "Get-HostedConnectionFilterPolicy" => one(json!({
            "Name": "Default", "Identity": "Default", "IsDefault": true,
            "IPAllowList": if r.chance(25) { json!(["203.0.113.0/24"]) } else { json!([]) },
            "IPBlockList": [], "EnableSafeList": r.chance(20),
        })),
        "Get-HostedOutboundSpamFilterPolicy" => one(json!({
            "Name": "Default", "Identity": "Default", "IsDefault": true,
            "AutoForwardingMode": *r.pick(&["Off", "Off", "Automatic", "On"]),
            "RecipientLimitExternalPerHour": 0, "RecipientLimitPerDay": 0, "ActionWhenThresholdReached": "BlockUserForToday",
        })),
        "Get-OwaMailboxPolicy" => one(json!({
            "Name": "OwaMailboxPolicy-Default", "Identity": "OwaMailboxPolicy-Default", "IsDefault": true,
            "AdditionalStorageProvidersAvailable": r.chance(50), "ThirdPartyAttachmentsEnabled": true,
            "WacViewingOnPublicComputersEnabled": true,
        })),
        _ => return None,
    })
}
