//! Selection arguments shared by `plan` and `run` (SPEC §2).

use crate::error::CliError;
use crate::planner::Selection;
use clap::Args;

/// Which tenants and command lists a command applies to.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectionArgs {
    /// Tenants to select: an id (domain or GUID), `tag:NAME`, `name:GLOB`; prefix `!` to exclude. Repeatable.
    #[arg(short = 't', long = "tenants", value_name = "SEL", allow_hyphen_values = true)]
    pub tenants: Vec<String>,
    /// Command lists to run (default: all), comma-separated or repeated.
    #[arg(short = 'c', long = "commands", value_name = "NAME[,NAME]", value_delimiter = ',')]
    pub commands: Vec<String>,
    /// Run only shard I of N (1-based); a stable partition of the selected tenants by id.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

impl SelectionArgs {
    /// The planner's [`Selection`]; a bad selector is a usage error (exit 2).
    pub fn to_selection(&self) -> Result<Selection, CliError> {
        Selection::from_args(&self.tenants, &self.commands, self.shard.as_deref())
            .map_err(|e| CliError::Usage(e.to_string()))
    }
}

/// Warnings about selectors that match no tenant of `profile` (likely typos),
/// with a "did you mean" where one is close. Printed on stderr by `plan`/`run`.
pub fn unmatched_selectors(selection: &Selection, profile: &crate::profile::Profile) -> Vec<String> {
    use crate::planner::TenantSelector;
    use crate::profile::diagnostic::did_you_mean;
    let mut warnings = Vec::new();
    for (prefix, selectors) in [("", &selection.include), ("!", &selection.exclude)] {
        for selector in selectors {
            if profile.tenants.iter().any(|t| selector.matches(t)) {
                continue;
            }
            let (shown, suggestion) = match selector {
                TenantSelector::Id(id) => (
                    id.clone(),
                    did_you_mean(id, profile.tenants.iter().map(|t| t.id.as_str())).map(str::to_string),
                ),
                TenantSelector::Tag(tag) => {
                    let tags = profile.tenants.iter().flat_map(|t| t.tags.iter().map(String::as_str));
                    (format!("tag:{tag}"), did_you_mean(tag, tags).map(|t| format!("tag:{t}")))
                }
                TenantSelector::Name { glob, .. } => (format!("name:{glob}"), None),
            };
            let hint =
                suggestion.map(|s| format!(" (hint: did you mean `{prefix}{s}`?)")).unwrap_or_default();
            warnings.push(format!("warning: `-t {prefix}{shown}` matches no tenant{hint}"));
        }
    }
    warnings
}
