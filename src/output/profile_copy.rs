//! `OUT/<run-id>/profile/`: a copy of the profile files a run loaded (SPEC §7;
//! profiles hold no secrets, only references), so a run can be judged again with
//! `tenantrun check RUN_DIR` without the original checkout.

use super::rundir::PROFILE;
use std::path::{Path, PathBuf};

/// Copy `sources` into `run_dir/profile/` (file names kept; a clash gets a numeric prefix).
pub fn copy_profile(run_dir: &Path, sources: &[PathBuf]) -> std::io::Result<PathBuf> {
    let dir = run_dir.join(PROFILE);
    std::fs::create_dir_all(&dir)?;
    let mut used = std::collections::HashSet::new();
    for (i, source) in sources.iter().enumerate() {
        let name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("{i}.yaml"));
        let name = if used.insert(name.clone()) { name } else { format!("{i:02}-{name}") };
        used.insert(name.clone());
        std::fs::copy(source, dir.join(&name))?;
    }
    Ok(dir)
}
