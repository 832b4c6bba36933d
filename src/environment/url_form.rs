//! Normalising environment URLs: keep a path prefix, drop the PowerShell
//! `ConnectionUri` suffix (`/powershell-liveid/`), always end with `/` so joins append.

use url::Url;

/// Parse a base URL. `https://host/powershell-liveid/` (any case) reduces to
/// `https://host/`; any other path is kept as a prefix ending in `/`.
pub fn normalize_base_url(text: &str) -> Result<Url, String> {
    let mut url = Url::parse(text.trim()).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme `{}` is not http or https", url.scheme()));
    }
    if url.host_str().is_none() {
        return Err("missing host".into());
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_string();
    if path.to_ascii_lowercase().ends_with("/powershell-liveid") {
        url.set_path("/");
    } else {
        url.set_path(&format!("{path}/"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_connection_uri_reduces_to_host() {
        for s in [
            "https://ps.compliance.protection.outlook.com/powershell-liveid/",
            "https://ps.compliance.protection.outlook.com/PowerShell-LiveID",
        ] {
            assert_eq!(
                normalize_base_url(s).map(String::from),
                Ok("https://ps.compliance.protection.outlook.com/".into())
            );
        }
    }

    #[test]
    fn path_prefix_is_kept() {
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8400/tenant-a").map(String::from),
            Ok("http://127.0.0.1:8400/tenant-a/".into())
        );
        assert!(normalize_base_url("ftp://x").is_err());
        assert!(normalize_base_url("not a url").is_err());
    }
}
