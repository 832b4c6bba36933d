//! `OUT/<run-id>/profile/`: a copy of the profile files a run loaded (SPEC §7), so the
//! run can be resumed, judged and reported without the original checkout.
//!
//! Files keep their names (the profile digest covers names and contents, so the copy
//! has the run's digest); two files with the same name from different folders go to
//! numbered subfolders. A hidden manifest, `profile/.sources.json`, keeps the load
//! order and each original's folder, against which relative references (secret
//! files, certificates, `ca_file`) still resolve: profiles hold no secrets, so the
//! secrets stay where they were.

use crate::profile::{self, LoadError, Profile};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

/// The folder inside a run directory.
pub const PROFILE_DIR: &str = "profile";
/// The manifest inside [`PROFILE_DIR`].
const MANIFEST: &str = ".sources.json";

/// Why a run's profile copy cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileCopyError {
    #[error("{0} has no profile copy (profile/); pass the PROFILE the run was started with")]
    Missing(PathBuf),
    #[error("{path}: {reason}")]
    Manifest { path: PathBuf, reason: String },
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// The manifest: one entry per file, in load order.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    files: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// Path of the copy, relative to `profile/`.
    stored: String,
    /// The original file, as loaded.
    original: PathBuf,
    /// The original's folder (absolute when it could be made so).
    base: PathBuf,
}

/// Copy `sources` (in load order) into `run_dir/profile/`, replacing an older copy.
pub fn save(run_dir: &Path, sources: &[PathBuf]) -> std::io::Result<()> {
    let dir = run_dir.join(PROFILE_DIR);
    let staging = run_dir.join(".profile.tmp");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    super::safe_fs::create_dir(&staging)?;
    let mut names = HashSet::new();
    let mut files = Vec::with_capacity(sources.len());
    for (i, source) in sources.iter().enumerate() {
        let name = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stored = if names.insert(name.clone()) { name } else { format!("{}/{name}", i + 1) };
        let target = staging.join(&stored);
        if let Some(parent) = target.parent() {
            super::safe_fs::create_dir_all(parent)?;
        }
        std::io::copy(&mut std::fs::File::open(source)?, &mut super::safe_fs::create_new(&target)?)?;
        let folder = source.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let base = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
        files.push(Entry { stored, original: source.clone(), base });
    }
    let manifest = serde_json::to_vec_pretty(&Manifest { files }).map_err(std::io::Error::other)?;
    std::io::Write::write_all(&mut super::safe_fs::create_new(&staging.join(MANIFEST))?, &manifest)?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::rename(staging, dir)
}

/// Whether `run_dir` holds a profile copy.
pub fn exists(run_dir: &Path) -> bool {
    run_dir.join(PROFILE_DIR).join(MANIFEST).is_file()
}

/// Load the profile a run recorded, in its original order, with relative references
/// resolving against the original folders.
pub fn load(run_dir: &Path) -> Result<Profile, ProfileCopyError> {
    let (files, bases) = files(run_dir)?;
    Ok(profile::load_copies(&files, &bases)?)
}

/// The copied files in load order, and the folder each original was in.
pub fn files(run_dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), ProfileCopyError> {
    let dir = run_dir.join(PROFILE_DIR);
    let path = dir.join(MANIFEST);
    if !path.is_file() {
        return Err(ProfileCopyError::Missing(run_dir.to_path_buf()));
    }
    let bad = |reason: String| ProfileCopyError::Manifest { path: path.clone(), reason };
    let text = std::fs::read(&path).map_err(|e| bad(e.to_string()))?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
    let mut files = Vec::with_capacity(manifest.files.len());
    let mut bases = Vec::with_capacity(manifest.files.len());
    for entry in manifest.files {
        // Nothing read from a run directory is trusted as a path (SPEC §9).
        let rel = Path::new(&entry.stored);
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) || entry.stored.is_empty() {
            return Err(bad(format!("`{}` is not a file inside profile/", entry.stored)));
        }
        let file = dir.join(rel);
        if std::fs::symlink_metadata(&file).map(|m| !m.is_file()).unwrap_or(true) {
            return Err(bad(format!("`{}` is missing or not a regular file", entry.stored)));
        }
        files.push(file);
        bases.push(entry.base);
    }
    if files.is_empty() {
        return Err(bad("it lists no profile file".into()));
    }
    Ok((files, bases))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn same_names_from_two_folders_keep_order_and_digest() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(
            b.join("base.yaml"),
            "version: 1\ndefaults: { environment: emulator }\ncommands: { l: [Get-Label] }\n",
        )
        .unwrap();
        std::fs::write(a.join("base.yaml"), "version: 1\ntenants: [{ id: contoso.onmicrosoft.com }]\n")
            .unwrap();
        let sources = vec![b.join("base.yaml"), a.join("base.yaml")];
        let original = profile::load(&sources).unwrap();
        let run = root.path().join("run");
        std::fs::create_dir_all(&run).unwrap();
        save(&run, &original.sources).unwrap();
        let copy = load(&run).unwrap();
        assert_eq!(copy.digest, original.digest);
        assert_eq!(copy.tenants, original.tenants);
        assert!(run.join("profile/base.yaml").is_file());
        assert!(run.join("profile/2/base.yaml").is_file());
    }

    #[test]
    fn a_manifest_pointing_outside_profile_is_refused() {
        let run = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(run.path().join(PROFILE_DIR)).unwrap();
        std::fs::write(
            run.path().join(PROFILE_DIR).join(MANIFEST),
            r#"{"files":[{"stored":"../../etc/passwd.yaml","original":"x","base":"/"}]}"#,
        )
        .unwrap();
        let err = load(run.path()).unwrap_err().to_string();
        assert!(err.contains("is not a file inside profile/"), "{err}");
    }
}
