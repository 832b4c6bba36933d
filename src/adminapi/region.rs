//! Compliance region discovery (SPEC §4): the `Location` of the unfollowed
//! `EXOBanner('AutogenSession')` redirect names the region — the `/region/<r>/`
//! path segment when present (the emulator), else the host's first DNS label.

use crate::environment::{normalize_base_url, Environment};
use url::Url;

/// The query string of the banner request.
pub const BANNER_VERSION: &str = "3.7.1";

/// Region name from a redirect target. `None` when the target names none (an IP
/// literal without a `/region/` segment).
pub fn region_from_location(location: &Url) -> Option<String> {
    let mut segments = location.path_segments()?;
    while let Some(seg) = segments.next() {
        if seg.eq_ignore_ascii_case("region") {
            if let Some(r) = segments.next().filter(|r| valid_label(r)) {
                return Some(r.to_ascii_lowercase());
            }
        }
    }
    match location.host()? {
        url::Host::Domain(d) => d.split('.').next().filter(|l| valid_label(l)).map(str::to_ascii_lowercase),
        _ => None,
    }
}

fn valid_label(s: &str) -> bool {
    !s.is_empty() && s.len() <= 63 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The base URL for compliance calls after a redirect to `location`: the region
/// substituted into the environment's `compliance_region` template, or, without a
/// template, the redirect's own origin.
pub fn regional_base(env: &Environment, location: &Url) -> Option<Url> {
    let region = region_from_location(location);
    if let (Some(region), Some(_)) = (&region, &env.compliance_region) {
        return env.regional_compliance(region);
    }
    let origin = location.origin();
    if !origin.is_tuple() {
        return None;
    }
    normalize_base_url(&origin.ascii_serialization()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

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
    }

    #[test]
    fn regional_base_uses_template_or_origin() {
        let mut env = crate::environment::builtins()["commercial"].clone();
        let loc = url("https://eur02b.admin.protection.outlook.com:446/adminapi/beta/t/EXOBanner");
        assert_eq!(
            regional_base(&env, &loc).map(String::from).as_deref(),
            Some("https://eur02b.ps.compliance.protection.outlook.com/")
        );
        env.bind_emulator(&url("http://127.0.0.1:4000/"));
        let loc = url("http://127.0.0.1:4000/region/apc01/adminapi/beta/t/EXOBanner");
        assert_eq!(
            regional_base(&env, &loc).map(String::from).as_deref(),
            Some("http://127.0.0.1:4000/region/apc01/")
        );
        env.compliance_region = None;
        assert_eq!(
            regional_base(&env, &url("https://x.example.test:446/adminapi/")).map(String::from).as_deref(),
            Some("https://x.example.test:446/")
        );
    }
}
