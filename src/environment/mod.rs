//! Environments (clouds): where to sign in and which front doors to call.
//!
//! Built-ins come from the `Connect-IPPSSession` documentation (SPEC §1); a profile
//! may declare its own or override a built-in by name. URLs keep any path prefix
//! and API paths are appended to it.

pub mod body;
mod builtin;
mod http;
mod url_form;

pub use builtin::builtins;
pub use http::{
    certificate_problem, http_client, HttpClientError, CA_FILE_HINT, IDLE_PER_HOST_FEW, IDLE_PER_HOST_MANY,
};
pub use url_form::normalize_base_url;

use crate::profile::document::EnvironmentDoc;
use crate::profile::Service;
use std::path::{Path, PathBuf};
use url::Url;

/// The name of the environment served by the in-process emulator.
pub const EMULATOR: &str = "emulator";

/// A DNS label (RFC 1123): 1 to 63 ASCII letters, digits and hyphens, neither first nor
/// last a hyphen. The only shape a compliance region may have.
pub fn is_dns_label(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A resolved environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub name: String,
    /// Entra login host; token endpoints are `AUTHORITY/<tenant>/oauth2/v2.0/...`.
    pub authority: Url,
    /// Exchange Online front door (`None` for standalone EOP).
    pub exchange: Option<Url>,
    /// Security & Compliance front door.
    pub compliance: Option<Url>,
    /// Regional compliance host template containing `{region}`.
    pub compliance_region: Option<String>,
    /// Token audience (resource) for Exchange Online.
    pub resource_exchange: String,
    /// Token audience (resource) for Security & Compliance.
    pub resource_compliance: String,
    /// Microsoft Graph (tenant sources, SPEC §6); `None` when the environment declares none.
    pub graph: Option<Url>,
    /// Token audience (resource) for Microsoft Graph.
    pub resource_graph: String,
    /// Extra trusted CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// True for the built-in `emulator` environment, whose URLs are only known once
    /// the in-process emulator has started (see [`Environment::bind_emulator`]).
    pub is_emulator: bool,
}

/// Why an environment declaration is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvironmentError {
    #[error("`{field}` is not a valid URL: {reason}")]
    BadUrl { field: &'static str, reason: String },
    #[error("`compliance_region` must contain `{{region}}`")]
    RegionTemplate,
}

impl Environment {
    /// Build from a profile declaration; relative `ca_file` resolves against `base`.
    pub fn from_doc(name: &str, doc: &EnvironmentDoc, base: &Path) -> Result<Self, EnvironmentError> {
        let url = |field: &'static str, value: &str| {
            normalize_base_url(value).map_err(|reason| EnvironmentError::BadUrl { field, reason })
        };
        let authority = url("authority", &doc.authority)?;
        let exchange = doc.exchange.as_deref().map(|v| url("exchange", v)).transpose()?;
        let compliance = doc.compliance.as_deref().map(|v| url("compliance", v)).transpose()?;
        let graph = doc.graph.as_deref().map(|v| url("graph", v)).transpose()?;
        if let Some(t) = &doc.compliance_region {
            if !t.contains("{region}") {
                return Err(EnvironmentError::RegionTemplate);
            }
            url("compliance_region", &t.replace("{region}", "region"))?;
        }
        let commercial = builtin::commercial();
        Ok(Environment {
            name: name.to_string(),
            authority,
            exchange,
            compliance,
            compliance_region: doc.compliance_region.clone(),
            resource_exchange: doc.resource_exchange.clone().unwrap_or(commercial.resource_exchange),
            resource_compliance: doc.resource_compliance.clone().unwrap_or(commercial.resource_compliance),
            graph,
            resource_graph: doc.resource_graph.clone().unwrap_or(commercial.resource_graph),
            ca_file: doc.ca_file.as_ref().map(|f| base.join(f)),
            is_emulator: false,
        })
    }

    /// The front door for a service, if this environment has one.
    pub fn front_door(&self, service: Service) -> Option<&Url> {
        match service {
            Service::Compliance => self.compliance.as_ref(),
            Service::Exchange => self.exchange.as_ref(),
        }
    }

    /// The token audience for a service.
    pub fn resource(&self, service: Service) -> &str {
        match service {
            Service::Compliance => &self.resource_compliance,
            Service::Exchange => &self.resource_exchange,
        }
    }

    /// The regional compliance base URL for `region`, when a template is set and `region`
    /// is a DNS label (anything else could move the token to a host the template does not
    /// produce: `evil.example/x`, `a@b`).
    pub fn regional_compliance(&self, region: &str) -> Option<Url> {
        let template = self.compliance_region.as_ref()?;
        if !is_dns_label(region) {
            return None;
        }
        normalize_base_url(&template.replace("{region}", region)).ok()
    }

    /// Fill in the emulator's URLs once it listens on `base` (e.g. `http://127.0.0.1:40123`).
    /// The authority is the origin itself (Entra tenant first, `/{tenant}/oauth2/v2.0/token`,
    /// as Microsoft serves it); the front doors are `/compliance`, `/region/{region}`, `/exchange`,
    /// and Microsoft Graph is `/graph`.
    pub fn bind_emulator(&mut self, base: &Url) {
        let root = base.as_str().trim_end_matches('/').to_string();
        let join = |p: &str| normalize_base_url(&format!("{root}{p}")).ok();
        if let Some(a) = join("") {
            self.authority = a;
        }
        self.compliance = join("/compliance");
        self.exchange = join("/exchange");
        self.graph = join("/graph");
        self.compliance_region = Some(format!("{root}/region/{{region}}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_dns_labels() {
        for ok in ["eur02b", "nam04b", "a", "x-1", &"a".repeat(63)] {
            assert!(is_dns_label(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a.b", "a/b", "a@b", "é", "a b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
        let env = builtins()["commercial"].clone();
        assert_eq!(
            env.regional_compliance("eur02b").map(String::from).as_deref(),
            Some("https://eur02b.ps.compliance.protection.outlook.com/")
        );
        assert_eq!(env.regional_compliance("evil.example/x"), None);
        assert_eq!(env.regional_compliance("x@evil.example"), None);
    }
}
