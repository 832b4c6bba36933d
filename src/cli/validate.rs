//! `tenantrun validate PROFILE...`: load and check profiles, print every problem
//! as `FILE:LINE:COL` with the source line, a caret and a hint (exit 2).
//!
//! Each argument is checked on its own, as `plan`/`run` would load it: a file is a
//! profile, a folder with profile files is one profile (its files merged). A folder
//! *without* profile files is a collection: every subfolder holding profile files is
//! checked as its own profile, so `tenantrun validate profiles/` checks a whole
//! repository of profiles. `--merge` checks all arguments as one merged profile.

use crate::error::CliError;
use crate::profile::{self, diagnostic::Diagnostic, LoadError};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Profile files (.yaml, .yml, .toml), profile folders, or folders of profile folders.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
    /// Check all arguments as ONE merged profile (as `plan`/`run` load them).
    #[arg(long)]
    pub merge: bool,
}

/// What one checked unit was.
struct Unit {
    label: String,
    files: Vec<PathBuf>,
    early: Vec<Diagnostic>,
}

pub fn execute(args: ValidateArgs) -> Result<(), CliError> {
    let units = if args.merge {
        let mut early = Vec::new();
        let files = profile::profile_files(&args.profiles, &mut early);
        let label = args.profiles.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" + ");
        vec![Unit { label, files, early }]
    } else {
        args.profiles.iter().flat_map(units_of).collect()
    };
    let mut problems = 0usize;
    let mut out = String::new();
    let mut err = String::new();
    for unit in units {
        match profile::load_files(&unit.files, unit.early) {
            Ok(p) => {
                out.push_str(&format!(
                    "ok: {} ({} file{}, {} tenant{}, {} identit{}, {} command list{})\n",
                    unit.label,
                    p.sources.len(),
                    plural(p.sources.len()),
                    p.tenants.len(),
                    plural(p.tenants.len()),
                    p.identities.len(),
                    if p.identities.len() == 1 { "y" } else { "ies" },
                    p.commands.len(),
                    plural(p.commands.len()),
                ));
            }
            Err(LoadError { problems: rendered, .. }) => {
                problems += rendered.len();
                for r in rendered {
                    err.push_str(&r);
                    err.push('\n');
                }
            }
        }
    }
    #[allow(clippy::print_stdout, clippy::print_stderr)]
    {
        print!("{out}");
        if problems > 0 {
            eprint!("{err}");
            eprintln!("{problems} problem{} found", plural(problems));
        }
    }
    if problems > 0 {
        return Err(CliError::InvalidProfile(format!("{problems} problems")));
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The profiles one argument stands for.
fn units_of(path: &PathBuf) -> Vec<Unit> {
    let unit = |path: &PathBuf| {
        let mut early = Vec::new();
        let files = profile::profile_files(std::slice::from_ref(path), &mut early);
        Unit { label: path.display().to_string(), files, early }
    };
    if path.is_dir() {
        let has_files = crate::profile::load_files_in(path).is_ok_and(|f| !f.is_empty());
        if !has_files {
            let folders = profile::profile_folders(path);
            if !folders.is_empty() {
                return folders.iter().map(unit).collect();
            }
        }
    }
    vec![unit(path)]
}
