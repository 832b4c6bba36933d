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
