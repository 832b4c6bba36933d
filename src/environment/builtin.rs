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
        graph: None,
        resource_graph: String::new(),
        ca_file: None,
        is_emulator: false,
    }
}

/// The same environment with Microsoft Graph at `graph` (also its token audience).
fn with_graph(mut e: Environment, graph: &str) -> Environment {
    e.graph = Some(normalize_base_url(graph).unwrap_or_else(|err| panic!("built-in URL {graph}: {err}")));
    e.resource_graph = graph.into();
    e
}

/// Microsoft Graph of the commercial cloud (also GCC and standalone EOP).
const GRAPH_COMMERCIAL: &str = "https://graph.microsoft.com";

/// Commercial (and GCC).
pub(super) fn commercial() -> Environment {
    let e = env(
        "commercial",
        "https://login.microsoftonline.com",
        "https://ps.compliance.protection.outlook.com",
        Some("https://{region}.ps.compliance.protection.outlook.com"),
        Some("https://outlook.office365.com"),
        "https://outlook.office365.com",
        "https://ps.compliance.protection.outlook.com",
    );
    with_graph(e, GRAPH_COMMERCIAL)
}

/// Every built-in environment by name.
pub fn builtins() -> BTreeMap<String, Environment> {
    let mut all = vec![
        commercial(),
        with_graph(
            env(
                "gcc-high",
                "https://login.microsoftonline.us",
                "https://ps.compliance.protection.office365.us",
                Some("https://{region}.ps.compliance.protection.office365.us"),
                Some("https://outlook.office365.us"),
                "https://outlook.office365.us",
                "https://ps.compliance.protection.office365.us",
            ),
            "https://graph.microsoft.us",
        ),
        with_graph(
            env(
                "dod",
                "https://login.microsoftonline.us",
                "https://l5.ps.compliance.protection.office365.us",
                None,
                Some("https://outlook-dod.office365.us"),
                "https://outlook-dod.office365.us",
                "https://l5.ps.compliance.protection.office365.us",
            ),
            "https://dod-graph.microsoft.us",
        ),
        with_graph(
            env(
                "germany",
                "https://login.microsoftonline.de",
                "https://ps.compliance.protection.outlook.de",
                None,
                Some("https://outlook.office.de"),
                "https://outlook.office.de",
                "https://ps.compliance.protection.outlook.de",
            ),
            "https://graph.microsoft.de",
        ),
        with_graph(
            env(
                "china",
                "https://login.chinacloudapi.cn",
                "https://ps.compliance.protection.partner.outlook.cn",
                None,
                Some("https://partner.outlook.cn"),
                "https://partner.outlook.cn",
                "https://ps.compliance.protection.partner.outlook.cn",
            ),
            "https://microsoftgraph.chinacloudapi.cn",
        ),
        with_graph(
            env(
                "eop",
                "https://login.microsoftonline.com",
                "https://ps.protection.outlook.com",
                None,
                None,
                "https://outlook.office365.com",
                "https://ps.protection.outlook.com",
            ),
            GRAPH_COMMERCIAL,
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
        let graph =
            |name: &str| (all[name].graph.as_ref().map(|u| u.as_str()), all[name].resource_graph.as_str());
        assert_eq!(
            graph("commercial"),
            (Some("https://graph.microsoft.com/"), "https://graph.microsoft.com")
        );
        assert_eq!(graph("gcc-high"), (Some("https://graph.microsoft.us/"), "https://graph.microsoft.us"));
        assert_eq!(graph("dod"), (Some("https://dod-graph.microsoft.us/"), "https://dod-graph.microsoft.us"));
        assert_eq!(
            graph("china"),
            (Some("https://microsoftgraph.chinacloudapi.cn/"), "https://microsoftgraph.chinacloudapi.cn")
        );
        assert_eq!(graph("emulator"), (Some("http://127.0.0.1:8400/graph/"), "https://graph.microsoft.com"));
    }
}
