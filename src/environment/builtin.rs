//! The built-in environments of SPEC §1, from the `Connect-IPPSSession` documentation.

use super::{normalize_base_url, Environment, EMULATOR};
use std::collections::BTreeMap;

fn env(
    name: &str,
    authority: &str,
    compliance: &str,
    region: Option<&str>,
    exchange: Option<&str>,
    res_exo: &str,
    res_cc: &str,
) -> Environment {
    let url = |s: &str| normalize_base_url(s).unwrap_or_else(|e| panic!("built-in URL {s}: {e}"));
    Environment {
        name: name.into(),
        authority: url(authority),
        compliance: Some(url(compliance)),
        compliance_region: region.map(str::to_string),
        exchange: exchange.map(url),
        resource_exchange: res_exo.into(),
        resource_compliance: res_cc.into(),
        ca_file: None,
        is_emulator: false,
    }
}

/// Commercial (and GCC).
pub(super) fn commercial() -> Environment {
    env(
        "commercial",
        "https://login.microsoftonline.com",
        "https://ps.compliance.protection.outlook.com",
        Some("https://{region}.ps.compliance.protection.outlook.com"),
        Some("https://outlook.office365.com"),
        "https://outlook.office365.com",
        "https://ps.compliance.protection.outlook.com",
    )
}

/// Every built-in environment by name.
pub fn builtins() -> BTreeMap<String, Environment> {
    let mut all = vec![
        commercial(),
        env(
            "gcc-high",
            "https://login.microsoftonline.us",
            "https://ps.compliance.protection.office365.us",
            Some("https://{region}.ps.compliance.protection.office365.us"),
            Some("https://outlook.office365.us"),
            "https://outlook.office365.us",
            "https://ps.compliance.protection.office365.us",
        ),
        env(
            "dod",
            "https://login.microsoftonline.us",
            "https://l5.ps.compliance.protection.office365.us",
            None,
            Some("https://outlook-dod.office365.us"),
            "https://outlook-dod.office365.us",
            "https://l5.ps.compliance.protection.office365.us",
        ),
        env(
            "germany",
            "https://login.microsoftonline.de",
            "https://ps.compliance.protection.outlook.de",
            None,
            Some("https://outlook.office.de"),
            "https://outlook.office.de",
            "https://ps.compliance.protection.outlook.de",
        ),
        env(
            "china",
            "https://login.chinacloudapi.cn",
            "https://ps.compliance.protection.partner.outlook.cn",
            None,
            Some("https://partner.outlook.cn"),
            "https://partner.outlook.cn",
            "https://ps.compliance.protection.partner.outlook.cn",
        ),
        env(
            "eop",
            "https://login.microsoftonline.com",
            "https://ps.protection.outlook.com",
            None,
            None,
            "https://outlook.office365.com",
            "https://ps.protection.outlook.com",
        ),
    ];
    // The emulator's URLs are placeholders until it starts (Environment::bind_emulator).
    let mut emulator = commercial();
    emulator.name = EMULATOR.into();
    emulator.is_emulator = true;
    emulator.bind_emulator(&normalize_base_url("http://127.0.0.1:8400").unwrap_or_else(|e| panic!("{e}")));
    all.push(emulator);
    all.into_iter().map(|e| (e.name.clone(), e)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Service;

    #[test]
    fn every_documented_environment_exists() {
        let all = builtins();
        for name in ["commercial", "gcc-high", "dod", "germany", "china", "eop", "emulator"] {
            assert!(all.contains_key(name), "{name}");
        }
        assert_eq!(
            all["dod"].front_door(Service::Compliance).map(|u| u.as_str()),
            Some("https://l5.ps.compliance.protection.office365.us/")
        );
        assert!(all["eop"].front_door(Service::Exchange).is_none());
        assert_eq!(all["gcc-high"].resource(Service::Exchange), "https://outlook.office365.us");
    }
}
