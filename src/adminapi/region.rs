//! Compliance region discovery (SPEC §4, §9): the `Location` of the unfollowed
//! `EXOBanner('AutogenSession')` redirect names the region — the `/region/<r>/` path
//! segment when present (the emulator), else the host's first DNS label — and the region is
//! substituted into the environment's `compliance_region` template. The bearer token only
//! ever goes to an origin the environment names, so a redirect that names no region label,
//! goes from https to http, or (without a template) points anywhere but the environment's
//! own front doors is refused, never followed.

use crate::environment::{is_dns_label, Environment};
use crate::profile::Service;
use url::Url;

/// The query string of the banner request.
pub const BANNER_VERSION: &str = "3.7.1";

/// Region name from a redirect target. `None` when the target names none (an IP literal
/// without a `/region/` segment, a first label that is not a DNS label).
pub fn region_from_location(location: &Url) -> Option<String> {
    let mut segments = location.path_segments()?;
    while let Some(seg) = segments.next() {
        if seg.eq_ignore_ascii_case("region") {
            if let Some(r) = segments.next().filter(|r| is_dns_label(r)) {
                return Some(r.to_ascii_lowercase());
            }
        }
    }
    match location.host()? {
        url::Host::Domain(d) => d.split('.').next().filter(|l| is_dns_label(l)).map(str::to_ascii_lowercase),
        _ => None,
    }
}

/// The base URL for compliance calls after the banner at `banner` redirected to
/// `location`: the region substituted into the environment's `compliance_region` template,
/// or, without a template, the front door whose origin the redirect names. `Err` is the
/// reason the redirect is refused (nothing is sent to it).
pub fn regional_base(env: &Environment, banner: &Url, location: &Url) -> Result<Url, String> {
    let target = location.origin().ascii_serialization();
    if banner.scheme() == "https" && location.scheme() != "https" {
        return Err(format!("the region redirect goes from https to {} ({target})", location.scheme()));
    }
    if env.compliance_region.is_some() {
        let region = region_from_location(location).ok_or_else(|| {
            format!("the region redirect to {target} names no region (the first label of a DNS host name)")
        })?;
        return env
            .regional_compliance(&region)
            .ok_or_else(|| format!("region `{region}` does not fit the environment's compliance_region"));
    }
    [Service::Compliance, Service::Exchange]
        .into_iter()
        .filter_map(|s| env.front_door(s))
        .find(|door| door.origin() == location.origin())
        .cloned()
        .ok_or_else(|| {
            format!(
                "the region redirect points to {target}, which environment `{}` does not name (hint: declare the \
                 environment's compliance_region template if this host is genuine)",
                env.name
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn base(env: &Environment, banner: &str, loc: &str) -> Result<String, String> {
        regional_base(env, &url(banner), &url(loc)).map(String::from)
    }

    const BANNER: &str = "https://ps.compliance.protection.outlook.com/adminapi/beta/t/EXOBanner";

    #[test]
    fn region_from_host_or_path() {
        assert_eq!(
            region_from_location(&url(
                "https://eur02b.admin.protection.outlook.com:446/adminapi/beta/t/EXOBanner('AutogenSession')"
            ))
            .as_deref(),
            Some("eur02b")
        );
        assert_eq!(
            region_from_location(&url("http://127.0.0.1:4000/region/nam04b/adminapi/beta/t/x")).as_deref(),
            Some("nam04b")
        );
        assert_eq!(region_from_location(&url("http://127.0.0.1:4000/adminapi/beta/t/x")), None);
        assert_eq!(region_from_location(&url("https://[::1]:4000/adminapi/")), None);
        assert_eq!(region_from_location(&url("http://127.0.0.1/region/a%2Fb/x")), None);
        assert_eq!(region_from_location(&url("https://-eur.example/x")), None);
    }

    #[test]
    fn template_gets_the_region() {
        let mut env = crate::environment::builtins()["commercial"].clone();
        let loc = "https://eur02b.admin.protection.outlook.com:446/adminapi/beta/t/EXOBanner";
        assert_eq!(
            base(&env, BANNER, loc).as_deref(),
            Ok("https://eur02b.ps.compliance.protection.outlook.com/")
        );
        env.bind_emulator(&url("http://127.0.0.1:4000/"));
        let loc = "http://127.0.0.1:4000/region/apc01/adminapi/beta/t/EXOBanner";
        let banner = "http://127.0.0.1:4000/compliance/adminapi/beta/t/EXOBanner";
        assert_eq!(base(&env, banner, loc).as_deref(), Ok("http://127.0.0.1:4000/region/apc01/"));
    }

    #[test]
    fn redirects_naming_no_region_or_downgrading_are_refused() {
        let env = crate::environment::builtins()["commercial"].clone();
        let ip = base(&env, BANNER, "https://203.0.113.9/adminapi/beta/t/x").unwrap_err();
        assert!(ip.contains("names no region"), "{ip}");
        let http = base(&env, BANNER, "http://eur02b.admin.protection.outlook.com/x").unwrap_err();
        assert_eq!(
            http,
            "the region redirect goes from https to http (http://eur02b.admin.protection.outlook.com)"
        );
    }

    #[test]
    fn without_a_template_only_the_environments_own_front_doors() {
        let env = crate::environment::builtins()["dod"].clone();
        let banner = "https://l5.ps.compliance.protection.office365.us/adminapi/beta/t/EXOBanner";
        let elsewhere = base(&env, banner, "https://x.example.test:446/adminapi/").unwrap_err();
        assert!(
            elsewhere.contains("points to https://x.example.test:446, which environment `dod` does not name")
        );
        assert_eq!(
            base(&env, banner, "https://l5.ps.compliance.protection.office365.us/adminapi/beta/t/x")
                .as_deref(),
            Ok("https://l5.ps.compliance.protection.office365.us/")
        );
    }
}
