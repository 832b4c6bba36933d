//! The on-disk refresh-token cache: `<cache_dir>/refresh_tokens.json`, mode 0600 in a 0700
//! folder, replaced atomically (write a temporary file in the same folder, then rename). It
//! holds refresh tokens only — never client secrets, passwords or keys — so a `device_code`
//! sign-in done once with `tenantrun login` keeps later scheduled runs unattended.

use crate::profile::Secret;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const FILE_NAME: &str = "refresh_tokens.json";

/// Why the cache could not be read or written. Never contains a token.
#[derive(Debug, thiserror::Error)]
pub enum DiskCacheError {
    #[error("cannot write the token cache {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("the token cache {path} is readable by group or others (mode {mode:o}); ignoring it (hint: chmod 600 {path})")]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("cannot read the token cache {path}: {reason}")]
    Read { path: PathBuf, reason: String },
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct CacheFile {
    version: u32,
    /// Key → refresh token.
    refresh_tokens: BTreeMap<String, String>,
}

/// The cache file; one writer at a time within the process.
pub(crate) struct DiskCache {
    dir: PathBuf,
    lock: Mutex<()>,
}

impl DiskCache {
    pub fn new(dir: PathBuf) -> Self {
        DiskCache { dir, lock: Mutex::new(()) }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// The refresh token stored under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<Secret>, DiskCacheError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self.read()?.refresh_tokens.get(key).map(|v| Secret::new(v.clone())))
    }

    /// Store (or replace) the refresh token under `key`.
    pub fn put(&self, key: &str, token: &Secret) -> Result<(), DiskCacheError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut file = self.read().unwrap_or_default();
        if file.refresh_tokens.get(key).map(String::as_str) == Some(token.expose()) {
            return Ok(());
        }
        file.version = 1;
        file.refresh_tokens.insert(key.to_string(), token.expose().to_string());
        self.write(&file)
    }

    fn read(&self) -> Result<CacheFile, DiskCacheError> {
        let path = self.path();
        let read_err =
            |e: &dyn std::fmt::Display| DiskCacheError::Read { path: path.clone(), reason: e.to_string() };
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CacheFile::default()),
            Err(e) => return Err(read_err(&e)),
            Ok(meta) => check_private(&path, &meta)?,
        }
        let bytes = std::fs::read(&path).map_err(|e| read_err(&e))?;
        // Say what is wrong without echoing content.
        serde_json::from_slice(&bytes).map_err(|_| read_err(&"not a tenantrun token cache (invalid JSON)"))
    }

    fn write(&self, file: &CacheFile) -> Result<(), DiskCacheError> {
        let path = self.path();
        let fail =
            |e: &dyn std::fmt::Display| DiskCacheError::Write { path: path.clone(), reason: e.to_string() };
        create_private_dir(&self.dir).map_err(|e| fail(&e))?;
        let body = serde_json::to_vec_pretty(file).map_err(|e| fail(&e))?;
        let tmp = self.dir.join(format!(".{FILE_NAME}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let result = (|| -> std::io::Result<()> {
            let mut f = open_private(&tmp)?;
            f.write_all(&body)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(|e| fail(&e))
    }
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), DiskCacheError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(DiskCacheError::TooOpen { path: path.to_path_buf(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), DiskCacheError> {
    Ok(())
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn writes_0600_atomically_and_reads_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(dir.path().join("sub"));
        assert_eq!(cache.get("k").expect("empty"), None);
        cache.put("k", &Secret::new("rt-1")).expect("put");
        cache.put("k2", &Secret::new("rt-2")).expect("put");
        cache.put("k", &Secret::new("rt-3")).expect("put");
        assert_eq!(cache.get("k").expect("get").map(|s| s.expose().to_string()).as_deref(), Some("rt-3"));
        let mode = std::fs::metadata(cache.path()).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(dir.path().join("sub")).expect("meta").permissions().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .expect("ls")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn an_open_cache_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(dir.path().to_path_buf());
        cache.put("k", &Secret::new("rt")).expect("put");
        std::fs::set_permissions(cache.path(), std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = cache.get("k").expect_err("refused");
        assert!(matches!(err, DiskCacheError::TooOpen { mode: 0o644, .. }));
        assert!(!err.to_string().contains("\"rt\""));
    }
}
