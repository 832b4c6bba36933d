//! `tenantrun tenants PROFILE... [-t SEL]... [--shard I/N] [--format table|json|csv|yaml]
//! [--write FILE]`: the resolved tenants — discovered ones included — with their source,
//! identity, environment, roles and warnings, and the customers the sources left out with
//! the reason (SPEC §6). `--write` saves them as a `tenants:` profile file (a GitOps snapshot).

use super::pipe;
use super::selection::SelectionArgs;
use crate::discovery::{self, Resolution, SourceError};
use crate::error::CliError;
use crate::profile::Profile;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TenantsArgs {
    /// Profile files (.yaml, .yml, .toml) or directories of them (merged into one profile).
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
    /// Tenants to list: an id or display name, `tag:NAME` (source tags included), `name:GLOB`,
    /// `@FILE`; prefix `!` to exclude. Comma-separated or repeated.
    #[arg(short = 't', long = "tenants", value_name = "SEL", allow_hyphen_values = true)]
    pub tenants: Vec<String>,
    /// Only shard I of N (1-based), as `run --shard` would run it.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = TenantsFormat::Table)]
    pub format: TenantsFormat,
    /// Also write the listed tenants as a `tenants:` profile file (a snapshot to commit).
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TenantsFormat {
    Table,
    Json,
    Csv,
    Yaml,
}

/// Resolve the profile's tenants (reading its sources), printing a source failure.
/// A source that cannot be read is exit 1; a file source with bad rows is exit 2.
pub fn resolve(profile: &Profile, emulator: crate::emulator::EmulatorConfig) -> Result<Resolution, CliError> {
    discovery::discover_blocking(profile, emulator).map_err(|e| match e {
        SourceError::BadFile { report, .. } => {
            pipe::err(&format!("{report}\n"));
            CliError::InvalidProfile(report)
        }
        other => CliError::Fatal(other.to_string()),
    })
}

pub fn execute(args: TenantsArgs) -> Result<(), CliError> {
    let mut profile = super::plan::load_or_report(&args.profiles)?;
    let selection_args =
        SelectionArgs { tenants: args.tenants.clone(), commands: Vec::new(), shard: args.shard.clone() };
    let selection = selection_args.to_selection()?;
    let resolution = resolve(&profile, crate::emulator::EmulatorConfig::default())?;
    resolution.apply(&mut profile);
    for warning in super::selection::unmatched_selectors(&selection, &profile) {
        pipe::err(&format!("{warning}\n"));
    }
    super::selection::require_some_tenant(&selection, &profile)?;
    let listed = Resolution {
        tenants: resolution
            .tenants
            .iter()
            .filter(|t| selection.selects_in_shard(&t.tenant()))
            .cloned()
            .collect(),
        excluded: resolution.excluded.clone(),
    };
    let text = match args.format {
        TenantsFormat::Table => super::tenants_render::table(&listed),
        TenantsFormat::Json => super::tenants_render::json(&listed),
        TenantsFormat::Csv => super::tenants_render::csv(&listed),
        TenantsFormat::Yaml => super::tenants_render::yaml(&listed)?,
    };
    pipe::out(&text);
    if let Some(path) = &args.write {
        let sources: Vec<&str> = profile.tenant_sources.iter().map(|s| s.name.as_str()).collect();
        let file = super::tenants_render::profile_file(&listed, &sources)?;
        std::fs::write(path, file)
            .map_err(|e| CliError::Fatal(format!("cannot write {}: {e}", path.display())))?;
        pipe::err(&format!("wrote {} tenant(s) to {}\n", listed.tenants.len(), path.display()));
    }
    Ok(())
}
