//! Syntax rules for the values a profile names: tenant ids, GUIDs, cmdlet names,
//! environment variable names, tags and list names.

/// `8e3b2b9c-0000-4000-8000-00000000fab1` (any case).
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A DNS domain with at least two labels and an alphabetic top-level label,
/// as a verified domain (`contoso.onmicrosoft.com`, `fabrikam.us`) is.
pub fn is_domain(s: &str) -> bool {
    if s.len() > 253 || !s.contains('.') {
        return false;
    }
    let labels: Vec<&str> = s.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    labels.iter().all(label_ok)
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// A tenant id: a verified domain or a tenant GUID.
pub fn is_tenant_id(s: &str) -> bool {
    is_guid(s) || is_domain(s)
}

/// `Verb-Noun`, as PowerShell cmdlets are named.
pub fn is_cmdlet(s: &str) -> bool {
    match s.split_once('-') {
        Some((verb, noun)) => {
            !verb.is_empty()
                && !noun.is_empty()
                && verb.chars().all(|c| c.is_ascii_alphabetic())
                && noun.chars().all(|c| c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// `NAME_1`: letters, digits and `_`, not starting with a digit.
pub fn is_env_var(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Names used on the command line (`-c NAME`, `tag:NAME`): letters, digits, `-`, `_`, `.`.
pub fn is_simple_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `user@domain`.
pub fn is_upn(s: &str) -> bool {
    matches!(s.split_once('@'), Some((user, domain)) if !user.is_empty() && is_domain(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids() {
        assert!(is_tenant_id("contoso.onmicrosoft.com"));
        assert!(is_tenant_id("8e3b2b9c-0000-4000-8000-00000000fab1"));
        assert!(is_tenant_id("fabrikam.us"));
        assert!(!is_tenant_id("contoso"));
        assert!(!is_tenant_id("contoso..com"));
        assert!(!is_tenant_id("-x.com"));
        assert!(!is_tenant_id("contoso.onmicrosoft.123"));
        assert!(!is_tenant_id("8e3b2b9c-0000-4000-8000-00000000fab"));
        assert!(!is_tenant_id("https://contoso.com"));
    }

    #[test]
    fn cmdlets_and_names() {
        assert!(is_cmdlet("Get-Label"));
        assert!(is_cmdlet("Get-DlpCompliancePolicy"));
        assert!(!is_cmdlet("GetLabel"));
        assert!(!is_cmdlet("Get-Label; rm"));
        assert!(is_env_var("PFX_PASSWORD"));
        assert!(!is_env_var("1X"));
        assert!(is_upn("admin@partner.onmicrosoft.com"));
        assert!(!is_upn("admin"));
    }
}
