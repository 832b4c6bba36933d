//! `OUT/<run-id>/tenants.json`: the tenants a run resolved, with their source, and the
//! customers the sources left out. `run` writes it before any tenant starts;
//! `--resume`, `check` and `report` read it instead of discovering again, so a resumed
//! run keeps the tenant list it started with whatever the relationships became.

use super::Resolution;
use crate::profile::{Profile, Tenant};
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

/// [`Snapshot`] as it is written: the resolution borrowed, not copied (it holds every
/// tenant of the run).
#[derive(Serialize)]
struct SnapshotRef<'a> {
    version: u32,
    resolved_at: String,
    sources: Vec<String>,
    #[serde(flatten)]
    resolution: &'a Resolution,
}

/// The text of `tenants.json` for `resolution`, stamped now. A run renders it as soon
/// as its tenants are resolved and drops the resolution, writing the text once the run
/// directory exists ([`write_text`]).
pub fn render(resolution: &Resolution, sources: Vec<String>) -> std::io::Result<Vec<u8>> {
    let snapshot =
        SnapshotRef { version: 1, resolved_at: crate::output::rundir::now_rfc3339(), sources, resolution };
    serde_json::to_vec_pretty(&snapshot).map_err(std::io::Error::other)
}

/// [`render`] of a profile without tenant sources: what `discovery::merge(profile, &[])`
/// resolves (every `tenants:` entry, source `tenants`, in id order), written from the
/// profile's own list rather than from a copy of every tenant.
pub fn render_profile(profile: &Profile) -> std::io::Result<Vec<u8>> {
    render_profile_at(profile, crate::output::rundir::now_rfc3339())
}

fn render_profile_at(profile: &Profile, resolved_at: String) -> std::io::Result<Vec<u8>> {
    let mut text = Vec::new();
    render_tenants(&profile.tenants, resolved_at, &mut text)?;
    Ok(text)
}

/// [`render_profile`] streamed into `run_dir/tenants.json`, for a run whose plan holds
/// every tenant of its profile (no `-t` or `--shard` left one out): the text is never
/// held whole, and the tenants are read from the plan after the profile handed them over.
pub fn write_profile_tenants<'a>(
    run_dir: &Path,
    tenants: impl IntoIterator<Item = &'a Tenant>,
) -> std::io::Result<()> {
    let mut file = crate::output::safe_fs::Replacement::create(&run_dir.join(FILE))?;
    render_tenants(tenants, crate::output::rundir::now_rfc3339(), &mut file)?;
    file.commit()
}

fn render_tenants<'a>(
    tenants: impl IntoIterator<Item = &'a Tenant>,
    resolved_at: String,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut tenants: Vec<&Tenant> = tenants.into_iter().collect();
    tenants.sort_by(|a, b| a.id.cmp(&b.id));
    // As in `merge`'s map by id, the last entry of an id is the one kept.
    tenants.reverse();
    tenants.dedup_by(|a, b| a.id == b.id);
    tenants.reverse();
    let snapshot = ProfileSnapshot {
        version: 1,
        resolved_at,
        sources: Vec::new(),
        tenants: tenants.into_iter().map(ProfileTenant).collect(),
        excluded: Vec::new(),
    };
    serde_json::to_writer_pretty(out, &snapshot).map_err(std::io::Error::other)
}

/// [`Snapshot`]'s fields for [`render_profile`], in its order.
#[derive(Serialize)]
struct ProfileSnapshot<'a> {
    version: u32,
    resolved_at: String,
    sources: Vec<String>,
    tenants: Vec<ProfileTenant<'a>>,
    excluded: Vec<super::Excluded>,
}

/// A `tenants:` entry written as the [`super::ResolvedTenant`] it resolves to.
struct ProfileTenant<'a>(&'a Tenant);

impl Serialize for ProfileTenant<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let t = self.0;
        let none: &[String] = &[];
        let mut s = serializer.serialize_struct("ResolvedTenant", 10)?;
        s.serialize_field("id", &t.id)?;
        s.serialize_field("name", &t.name)?;
        s.serialize_field("tags", &t.tags)?;
        s.serialize_field("source", super::PROFILE_SOURCE)?;
        s.serialize_field("identity", &t.identity)?;
        s.serialize_field("environment", &t.environment)?;
        s.serialize_field("anchor_mailbox", &t.anchor_mailbox)?;
        s.serialize_field("bypass_mailbox_anchoring", &t.bypass_mailbox_anchoring)?;
        s.serialize_field("roles", none)?;
        s.serialize_field("warnings", none)?;
        s.end()
    }
}

/// Write text made by [`render`] as `run_dir/tenants.json` (temporary file, then rename).
pub fn write_text(run_dir: &Path, text: &[u8]) -> std::io::Result<()> {
    // Owner-only, never through a link (SPEC §9): the run directory's one way to write a file.
    crate::output::safe_fs::write_atomic(&run_dir.join(FILE), text)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_without_sources_renders_what_its_merge_resolves() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.yaml");
        std::fs::write(
            &file,
            "version: 1\ndefaults: { environment: emulator }\ncommands: { l: [Get-Label] }\n\
             tenants:\n  - { id: zeta.onmicrosoft.com, name: Zeta, tags: [b, a] }\n  \
             - { id: alpha.onmicrosoft.com, anchor_mailbox: 'UPN:ops@alpha.onmicrosoft.com' }\n  \
             - { id: 8e3b2b9c-0000-4000-8000-00000000fab1, bypass_mailbox_anchoring: true }\n",
        )
        .unwrap();
        let profile = crate::profile::load(&[file]).unwrap();
        assert!(profile.tenant_sources.is_empty());
        let at = "2026-12-03T00:00:00Z".to_string();
        let merged = SnapshotRef {
            version: 1,
            resolved_at: at.clone(),
            sources: Vec::new(),
            resolution: &super::super::merge(&profile, &[]),
        };
        let expected = serde_json::to_vec_pretty(&merged).unwrap();
        let rendered = render_profile_at(&profile, at).unwrap();
        assert_eq!(String::from_utf8(rendered).unwrap(), String::from_utf8(expected).unwrap());
        let text = render_profile(&profile).unwrap();
        let snapshot: Snapshot = serde_json::from_slice(&text).unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir(&run).unwrap();
        write_profile_tenants(&run, profile.tenants.iter().rev()).unwrap();
        let written: Snapshot = serde_json::from_slice(&std::fs::read(run.join(FILE)).unwrap()).unwrap();
        assert_eq!(written.resolution, snapshot.resolution);
        assert_eq!(snapshot.resolution.tenants.len(), 3);
        assert_eq!(snapshot.resolution.tenants[0].id, "8e3b2b9c-0000-4000-8000-00000000fab1");
    }
}
