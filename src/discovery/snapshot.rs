//! `OUT/<run-id>/tenants.json`: the tenants a run resolved, with their source, and the
//! customers the sources left out. `run` writes it before any tenant starts;
//! `--resume`, `check` and `report` read it instead of discovering again, so a resumed
//! run keeps the tenant list it started with whatever the relationships became.

use super::Resolution;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file name inside a run directory.
pub const FILE: &str = "tenants.json";

/// The file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    /// When the sources were read (RFC 3339, UTC).
    pub resolved_at: String,
    /// The tenant sources read, in profile order.
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(flatten)]
    pub resolution: Resolution,
}

/// Why `tenants.json` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: not a tenants.json of tenantrun: {reason}")]
    Invalid { path: String, reason: String },
}

/// Write `tenants.json` into `run_dir` (temporary file `.tenants.json.tmp`, then rename).
pub fn write(run_dir: &Path, resolution: &Resolution, sources: Vec<String>) -> std::io::Result<()> {
    let snapshot = Snapshot {
        version: 1,
        resolved_at: crate::output::rundir::now_rfc3339(),
        sources,
        resolution: resolution.clone(),
    };
    let text = serde_json::to_vec_pretty(&snapshot).map_err(std::io::Error::other)?;
    // Owner-only, never through a link (SPEC §9): the run directory's one way to write a file.
    crate::output::safe_fs::write_atomic(&run_dir.join(FILE), &text)
}

/// Read `run_dir/tenants.json`; `Ok(None)` when the run has none (made before discovery existed).
pub fn read(run_dir: &Path) -> Result<Option<Resolution>, SnapshotError> {
    let path = run_dir.join(FILE);
    let shown = path.display().to_string();
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SnapshotError::Read { path: shown, reason: e.to_string() }),
    };
    let snapshot: Snapshot = serde_json::from_slice(&text)
        .map_err(|e| SnapshotError::Invalid { path: shown.clone(), reason: e.to_string() })?;
    if let Some(bad) =
        snapshot.resolution.tenants.iter().find(|t| !crate::profile::check::rules::is_tenant_id(&t.id))
    {
        let id = crate::server_text::clean_line(&bad.id).into_owned();
        return Err(SnapshotError::Invalid { path: shown, reason: format!("`{id}` is not a tenant id") });
    }
    Ok(Some(snapshot.resolution))
}

/// Replace `profile`'s tenants with those of the run's `tenants.json`, when it has one.
pub fn apply_from_run(profile: &mut crate::profile::Profile, run_dir: &Path) -> Result<bool, SnapshotError> {
    match read(run_dir)? {
        Some(resolution) => {
            resolution.apply(profile);
            Ok(true)
        }
        None => Ok(false),
    }
}
