//! The bounds of one step's paging (SPEC §9): which `@odata.nextLink` may be followed
//! (same origin as the page that named it, this tenant's own path, never a link seen before
//! in the step), how many pages one step may read, and by when it must be done.

use super::error::{ApiError, ErrorKind};
use std::collections::HashSet;
use std::hash::BuildHasher;
use std::time::Duration;
use url::Url;

/// Pages one step may read.
pub const MAX_PAGES: u32 = 100_000;

pub use crate::profile::model::DEFAULT_STEP_TIMEOUT;

/// The limits one step runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepLimits {
    /// How long the whole step (every page, every retry) may take.
    pub timeout: Duration,
    pub max_pages: u32,
}

impl Default for StepLimits {
    fn default() -> Self {
        StepLimits { timeout: DEFAULT_STEP_TIMEOUT, max_pages: MAX_PAGES }
    }
}

/// The error of a step cut short by its deadline after `pages` pages.
pub fn deadline_error(limits: StepLimits, pages: u32) -> ApiError {
    ApiError::new(
        ErrorKind::Timeout,
        format!(
            "the step ran longer than its deadline of {} (defaults.step_timeout) after {pages} pages",
            short_duration(limits.timeout)
        ),
    )
}

/// Follows one step's `@odata.nextLink`s.
pub struct Pager {
    limits: StepLimits,
    /// Hashes of every page URL requested so far (8 bytes a page, whatever the link's length).
    seen: HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
    /// The path segments every page must start with: base prefix, `adminapi`.
    prefix: Vec<String>,
    pages: u32,
}

impl Pager {
    /// Paging that starts at `first` (`BASE/adminapi/<version>/<tenant>/InvokeCommand`).
    pub fn new(first: &Url, limits: StepLimits) -> Self {
        let segments: Vec<String> =
            first.path_segments().map(|s| s.map(str::to_string).collect()).unwrap_or_default();
        // Everything before `<version>/<tenant>/InvokeCommand`.
        let prefix = segments[..segments.len().saturating_sub(3)].to_vec();
        let mut pager = Pager { limits, seen: HashSet::new(), hasher: Default::default(), prefix, pages: 0 };
        let key = pager.key(first);
        pager.seen.insert(key);
        pager
    }

    /// A page was read.
    pub fn page_read(&mut self) {
        self.pages += 1;
    }

    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// The URL of the next page named by `next` on the page at `current`, when it may be
    /// followed with this tenant's token. `tenants` are the names the tenant's path may carry
    /// (its id as configured, and the tenant GUID of its token).
    pub fn next(&mut self, current: &Url, next: &str, tenants: &[&str]) -> Result<Url, ApiError> {
        let refused =
            |why: String| ApiError::new(ErrorKind::Refused, format!("not followed: @odata.nextLink {why}"));
        let url = current
            .join(next)
            .map_err(|e| ApiError::new(ErrorKind::Http, format!("invalid @odata.nextLink: {e}")))?;
        if url.origin() != current.origin() {
            return Err(refused(format!(
                "points to another origin ({}); the token goes only to origins the environment names",
                url.origin().ascii_serialization()
            )));
        }
        if !self.in_tenant_path(&url, tenants) {
            return Err(refused(format!(
                "leaves this tenant's path ({}); the token is not sent for another tenant",
                url.path()
            )));
        }
        if self.pages >= self.limits.max_pages {
            return Err(ApiError::new(
                ErrorKind::Http,
                format!("the step read {} pages, the most one step may read; stopped", self.limits.max_pages),
            ));
        }
        if !self.seen.insert(self.key(&url)) {
            return Err(ApiError::new(
                ErrorKind::Http,
                format!(
                    "@odata.nextLink repeats a page already read in this step (after {} pages); stopped",
                    self.pages
                ),
            ));
        }
        Ok(url)
    }

    /// `<prefix>/adminapi/<version>/<tenant>/...` with `<tenant>` one of `tenants`.
    fn in_tenant_path(&self, url: &Url, tenants: &[&str]) -> bool {
        let Some(segments) = url.path_segments() else { return false };
        let segments: Vec<&str> = segments.collect();
        let n = self.prefix.len();
        if segments.len() < n + 3 || segments[..n] != self.prefix[..] {
            return false;
        }
        let tenant = percent_decode(segments[n + 1]);
        tenants.iter().any(|t| t.eq_ignore_ascii_case(&tenant))
    }

    fn key(&self, url: &Url) -> u64 {
        self.hasher.hash_one(url.as_str())
    }
}

/// `2h`, `90m`, `45s`, `500ms`, as a profile writes durations.
fn short_duration(d: Duration) -> String {
    match (d.as_secs(), d.subsec_millis()) {
        (s, 0) if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        (s, 0) if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        (s, 0) => format!("{s}s"),
        _ => format!("{}ms", d.as_millis()),
    }
}

/// `%XX` escapes decoded (invalid ones kept as written).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: &str = "http://127.0.0.1:4000/region/eur/adminapi/beta/contoso.example/InvokeCommand";

    fn pager(max_pages: u32) -> (Pager, Url) {
        let first = Url::parse(FIRST).unwrap();
        (Pager::new(&first, StepLimits { max_pages, ..StepLimits::default() }), first)
    }

    #[test]
    fn next_link_must_stay_on_origin_and_tenant() {
        let (mut p, cur) = pager(10);
        let t = ["contoso.example", "8e3b2b9c-0000-4000-8000-00000000fab1"];
        let next = p.next(&cur, &format!("{FIRST}?$skiptoken=9"), &t).unwrap();
        assert_eq!(next.as_str(), format!("{FIRST}?$skiptoken=9"));
        // The GUID of the token's tenant, any case.
        let guid = "http://127.0.0.1:4000/region/eur/adminapi/beta/8E3B2B9C-0000-4000-8000-00000000FAB1/InvokeCommand?p=2";
        assert!(p.next(&cur, guid, &t).is_ok());
        let e = p.next(&cur, "http://evil.example/steal", &t).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Refused);
        assert!(e.message.contains("another origin (http://evil.example)"), "{}", e.message);
        let other = "http://127.0.0.1:4000/region/eur/adminapi/beta/fabrikam.example/InvokeCommand?x=1";
        let e = p.next(&cur, other, &t).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Refused);
        assert!(e.message.contains("leaves this tenant's path"), "{}", e.message);
        for elsewhere in [
            "/other/adminapi/beta/contoso.example/InvokeCommand",
            "/region/eur/adminapi/beta/contoso.example",
        ] {
            assert!(p.next(&cur, elsewhere, &t).is_err(), "{elsewhere}");
        }
        assert!(p.next(&cur, "/region/eur/adminapi/beta/contoso%2Eexample/InvokeCommand?y", &t).is_ok());
    }

    #[test]
    fn repeated_links_and_too_many_pages_stop() {
        let (mut p, cur) = pager(3);
        let t = ["contoso.example"];
        let two = p.next(&cur, "?page=2", &t).unwrap();
        p.page_read();
        let e = p.next(&two, FIRST, &t).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Http);
        assert!(e.message.starts_with("@odata.nextLink repeats a page already read"), "{}", e.message);
        p.page_read();
        p.page_read();
        let e = p.next(&two, "?page=3", &t).unwrap_err();
        assert_eq!(e.message, "the step read 3 pages, the most one step may read; stopped");
        assert_eq!(
            deadline_error(StepLimits::default(), 3).message,
            "the step ran longer than its deadline of 2h (defaults.step_timeout) after 3 pages"
        );
        assert_eq!(short_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(short_duration(Duration::from_secs(90)), "90s");
    }
}
