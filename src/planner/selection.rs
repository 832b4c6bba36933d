//! `-t/--tenants SEL` and `-c/--commands NAME`: which tenants and command lists run.
//!
//! Selectors: an id (domain or GUID, case-insensitive; a bare word that is a tenant's
//! display name, case-insensitive, matches that tenant too, so `-t Contoso` works),
//! `tag:NAME`, `name:GLOB` (case-insensitive, `*` and `?`); `!SEL` excludes. One `-t`
//! value may hold several selectors separated by commas (`-t a,b`, as `-c a,b`). With
//! no including selector every tenant is included; exclusions always win.

use super::shard::Shard;
use crate::profile::Tenant;
use globset::{GlobBuilder, GlobMatcher};

/// Why a selection argument is invalid (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    #[error("empty tenant selector (hint: use an id, `tag:NAME`, `name:GLOB`, or `!SEL` to exclude)")]
    Empty,
    #[error("invalid name glob `{glob}`: {reason}")]
    BadGlob { glob: String, reason: String },
    #[error("{0}")]
    BadShard(String),
}

/// One `-t` value.
#[derive(Debug, Clone)]
pub enum TenantSelector {
    Id(String),
    Tag(String),
    Name { glob: String, matcher: GlobMatcher },
}

impl PartialEq for TenantSelector {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (TenantSelector::Id(a), TenantSelector::Id(b))
            | (TenantSelector::Tag(a), TenantSelector::Tag(b)) => a == b,
            (TenantSelector::Name { glob: a, .. }, TenantSelector::Name { glob: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl TenantSelector {
    /// Parse one selector (without the `!`).
    pub fn parse(text: &str) -> Result<Self, SelectionError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SelectionError::Empty);
        }
        if let Some(tag) = text.strip_prefix("tag:") {
            if tag.is_empty() {
                return Err(SelectionError::Empty);
            }
            return Ok(TenantSelector::Tag(tag.to_string()));
        }
        if let Some(glob) = text.strip_prefix("name:") {
            let matcher = GlobBuilder::new(glob)
                .case_insensitive(true)
                .literal_separator(false)
                .build()
                .map_err(|e| SelectionError::BadGlob {
                    glob: glob.to_string(),
                    reason: e.kind().to_string(),
                })?
                .compile_matcher();
            return Ok(TenantSelector::Name { glob: glob.to_string(), matcher });
        }
        Ok(TenantSelector::Id(text.to_ascii_lowercase()))
    }

    /// Split one `-t` value at its commas (`a,b,!tag:x`), leaving the commas inside a
    /// glob's `{a,b}` alternation alone.
    pub fn split_list(value: &str) -> Vec<&str> {
        let mut parts = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, c) in value.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    parts.push(&value[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&value[start..]);
        parts
    }

    /// Whether `tenant` matches.
    pub fn matches(&self, tenant: &Tenant) -> bool {
        match self {
            TenantSelector::Id(id) => {
                tenant.id.eq_ignore_ascii_case(id)
                    || tenant.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(id))
            }
            TenantSelector::Tag(tag) => tenant.tags.iter().any(|t| t == tag),
            TenantSelector::Name { matcher, .. } => {
                tenant.name.as_deref().is_some_and(|n| matcher.is_match(n))
            }
        }
    }
}

/// The user's whole selection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub include: Vec<TenantSelector>,
    pub exclude: Vec<TenantSelector>,
    /// Command list names; empty = all.
    pub commands: Vec<String>,
    pub shard: Option<Shard>,
}

impl Selection {
    /// Build from the raw CLI values.
    pub fn from_args(
        tenants: &[String],
        commands: &[String],
        shard: Option<&str>,
    ) -> Result<Self, SelectionError> {
        let mut selection = Selection::default();
        for raw in tenants.iter().flat_map(|t| TenantSelector::split_list(t)) {
            match raw.trim().strip_prefix('!') {
                Some(rest) => selection.exclude.push(TenantSelector::parse(rest)?),
                None => selection.include.push(TenantSelector::parse(raw)?),
            }
        }
        selection.commands =
            commands.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
        selection.shard = shard.map(Shard::parse).transpose().map_err(SelectionError::BadShard)?;
        Ok(selection)
    }

    /// Whether `tenant` is selected (before sharding).
    pub fn selects(&self, tenant: &Tenant) -> bool {
        let included = self.include.is_empty() || self.include.iter().any(|s| s.matches(tenant));
        included && !self.exclude.iter().any(|s| s.matches(tenant))
    }

    /// Whether `tenant` is selected and in this machine's shard.
    pub fn selects_in_shard(&self, tenant: &Tenant) -> bool {
        self.selects(tenant) && self.shard.is_none_or(|s| s.contains(&tenant.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str, name: &str, tags: &[&str]) -> Tenant {
        Tenant {
            id: id.into(),
            name: Some(name.into()),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            identity: "i".into(),
            environment: "commercial".into(),
            anchor_mailbox: None,
            bypass_mailbox_anchoring: false,
        }
    }

    #[test]
    fn include_exclude_tag_and_name() {
        let contoso = tenant("contoso.onmicrosoft.com", "Contoso", &["emea", "retail"]);
        let fabrikam = tenant("fabrikam.onmicrosoft.com", "Fabrikam", &["us"]);
        let s = Selection::from_args(&["tag:emea".into()], &[], None).unwrap();
        assert!(s.selects(&contoso) && !s.selects(&fabrikam));
        let s = Selection::from_args(&["name:con*".into()], &[], None).unwrap();
        assert!(s.selects(&contoso) && !s.selects(&fabrikam));
        let s = Selection::from_args(&["!CONTOSO.onmicrosoft.com".into()], &[], None).unwrap();
        assert!(!s.selects(&contoso) && s.selects(&fabrikam));
        let s = Selection::from_args(&["tag:emea".into(), "!name:Contoso".into()], &[], None).unwrap();
        assert!(!s.selects(&contoso) && !s.selects(&fabrikam));
        assert_eq!(Selection::from_args(&["".into()], &[], None), Err(SelectionError::Empty));
        assert!(Selection::from_args(&[], &[], Some("4/3")).is_err());
    }

    #[test]
    fn a_display_name_selects_its_tenant_and_commas_separate_selectors() {
        let contoso = tenant("contoso.onmicrosoft.com", "Contoso", &["emea"]);
        let fabrikam = tenant("fabrikam.onmicrosoft.com", "Fabrikam", &["us"]);
        let northwind = tenant("northwind.onmicrosoft.com", "Northwind", &["us"]);
        let s = Selection::from_args(&["CONTOSO".into()], &[], None).unwrap();
        assert!(s.selects(&contoso) && !s.selects(&fabrikam));
        let s = Selection::from_args(&["contoso.onmicrosoft.com,Fabrikam".into()], &[], None).unwrap();
        assert_eq!(s.include.len(), 2);
        assert!(s.selects(&contoso) && s.selects(&fabrikam) && !s.selects(&northwind));
        let s = Selection::from_args(&["tag:us,!Fabrikam".into()], &[], None).unwrap();
        assert!(!s.selects(&contoso) && !s.selects(&fabrikam) && s.selects(&northwind));
        let s = Selection::from_args(&["name:{Con*,North*}".into()], &[], None).unwrap();
        assert_eq!(s.include.len(), 1);
        assert!(s.selects(&contoso) && !s.selects(&fabrikam) && s.selects(&northwind));
        assert_eq!(Selection::from_args(&["a,,b".into()], &[], None), Err(SelectionError::Empty));
    }
}
