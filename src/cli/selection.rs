//! Selection arguments shared by `plan` and `run` (SPEC §2).

use clap::Args;

/// Which tenants and command lists a command applies to.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectionArgs {
    /// Tenants to select: an id (domain or GUID), `tag:NAME`, `name:GLOB`; prefix `!` to exclude. Repeatable.
    #[arg(short = 't', long = "tenants", value_name = "SEL")]
    pub tenants: Vec<String>,
    /// Command lists to run (default: all), comma-separated or repeated.
    #[arg(short = 'c', long = "commands", value_name = "NAME[,NAME]", value_delimiter = ',')]
    pub commands: Vec<String>,
    /// Run only shard I of N (1-based); a stable partition of the selected tenants by id.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}
