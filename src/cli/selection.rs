//! Selection arguments shared by `plan` and `run` (SPEC §2).

use crate::error::CliError;
use crate::planner::{Selection, TenantSelector};
use clap::Args;
use std::path::Path;

/// Which tenants and command lists a command applies to.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectionArgs {
    /// Tenants to select: an id (domain or GUID) or display name, `tag:NAME`, `name:GLOB`,
    /// `@FILE` (one selector a line; `#` comments); prefix `!` to exclude. Comma-separated or repeated.
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
        Selection::from_args(&self.tenant_selectors()?, &self.commands, self.shard.as_deref())
            .map_err(|e| CliError::Usage(e.to_string()))
    }

    /// The `-t` values with every `@FILE` replaced by the selectors it lists (what a run
    /// records, so a resume does not depend on the file staying the same).
    pub fn tenant_selectors(&self) -> Result<Vec<String>, CliError> {
        let mut out = Vec::new();
        for value in &self.tenants {
            for part in TenantSelector::split_list(value) {
                let part = part.trim();
                let (negated, rest) = match part.strip_prefix('!') {
                    Some(rest) => ("!", rest.trim_start()),
                    None => ("", part),
                };
                match rest.strip_prefix('@') {
                    Some(file) => {
                        out.extend(read_list(Path::new(file))?.into_iter().map(|s| format!("{negated}{s}")))
                    }
                    None => out.push(part.to_string()),
                }
            }
        }
        Ok(out)
    }
}

/// `-t @FILE`: one selector a line (ids, `tag:`, `name:`, `!`), blank lines and `#`
/// comments ignored; a bad line is reported as `FILE:LINE`.
fn read_list(path: &Path) -> Result<Vec<String>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Usage(format!(
            "-t @{0}: cannot read {0}: {e} (hint: `@FILE` names a file of tenant ids, one a line)",
            path.display()
        ))
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bare = line.strip_prefix('!').unwrap_or(line);
        if bare.trim_start().starts_with('@') {
            return Err(CliError::Usage(format!(
                "{}:{}: `{line}`: a tenant list cannot include another list",
                path.display(),
                n + 1
            )));
        }
        TenantSelector::parse(bare)
            .map_err(|e| CliError::Usage(format!("{}:{}: {e}", path.display(), n + 1)))?;
        out.push(line.to_string());
    }
    Ok(out)
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
                    did_you_mean(id, profile.tenants.iter().map(|t| t.id.as_str()))
                        .map(str::to_string)
                        .or_else(|| name_suggestion(id, profile)),
                ),
                TenantSelector::Tag(tag) => {
                    let tags = profile.tenants.iter().flat_map(|t| t.tags.iter().map(String::as_str));
                    (format!("tag:{tag}"), did_you_mean(tag, tags).map(|t| format!("tag:{t}")))
                }
                TenantSelector::Name { glob, .. } => {
                    let names = profile.tenants.iter().filter_map(|t| t.name.as_deref());
                    (
                        format!("name:{glob}"),
                        did_you_mean(glob, names).map(|n| format!("name:{}", quote_name(n))),
                    )
                }
            };
            let hint =
                suggestion.map(|s| format!(" (hint: did you mean `{prefix}{s}`?)")).unwrap_or_default();
            warnings.push(format!("warning: `-t {prefix}{shown}` matches no tenant{hint}"));
        }
    }
    warnings
}

/// A bare word that is close to (or a prefix of) a tenant's display name: suggest the
/// `name:` selector for it.
fn name_suggestion(word: &str, profile: &crate::profile::Profile) -> Option<String> {
    use crate::profile::diagnostic::did_you_mean;
    let names: Vec<&str> = profile.tenants.iter().filter_map(|t| t.name.as_deref()).collect();
    if let Some(n) = did_you_mean(word, names.iter().copied()) {
        return Some(format!("name:{}", quote_name(n)));
    }
    let lower = word.to_lowercase();
    let n = word.chars().count();
    names.iter().find(|name| name.to_lowercase().starts_with(&lower)).map(|name| {
        // The name's own spelling of the prefix (ids are matched lower-case).
        let prefix: String = name.chars().take(n).collect();
        format!("name:{}", quote_name(&format!("{prefix}*")))
    })
}

/// A `name:` value as typed in a shell: quoted when it holds a space or a glob character.
fn quote_name(name: &str) -> String {
    if name.chars().any(|c| c.is_whitespace() || "*?[]{}".contains(c)) {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

/// A selection that matches no tenant is an error (exit 2), not an empty success: a typo
/// in a scheduled job (`-t tag:emae`) must not look like a clean run. Checked before
/// `--shard`: an empty shard of a selection that matches tenants is fine.
pub fn require_some_tenant(selection: &Selection, profile: &crate::profile::Profile) -> Result<(), CliError> {
    let total = profile.tenants.len();
    if profile.tenants.iter().any(|t| selection.selects(t)) {
        return Ok(());
    }
    let of = match total {
        0 => "the profile has no tenants".to_string(),
        1 => "1 tenant in the profile".to_string(),
        n => format!("{n} tenants in the profile"),
    };
    Err(CliError::Usage(format!("the selection matches no tenant ({of}); nothing was contacted")))
}
