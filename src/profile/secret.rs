//! Secret references (`{ env: NAME }` / `{ file: PATH }`) and the [`Secret`] type
//! that holds a resolved value and never shows it in `Debug` or `Display`.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a secret lives. Profiles never hold secrets inline.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable name.
    Env(String),
    /// A file path (already resolved against the profile file's folder).
    File(PathBuf),
    /// A public value built into tenantrun: only the built-in `emulator` identity's
    /// well-known secret (see [`crate::profile::builtin_identity`]).
    BuiltIn(&'static str),
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "env:{name}"),
            SecretRef::File(path) => write!(f, "file:{}", path.display()),
            SecretRef::BuiltIn(_) => f.write_str("built-in"),
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Why a secret could not be read. Never contains the secret itself.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("environment variable `{0}` is not set")]
    EnvMissing(String),
    #[error("environment variable `{0}` is empty")]
    EnvEmpty(String),
    #[error("cannot read secret file {path}: {reason}")]
    FileUnreadable { path: PathBuf, reason: String },
    #[error("secret file {path} is readable by group or others (mode {mode:o}); refusing it (hint: chmod 600 {path})")]
    FileTooOpen { path: PathBuf, mode: u32 },
    #[error("secret file {0} is empty")]
    FileEmpty(PathBuf),
}

impl SecretRef {
    /// Read the secret now. Files readable by group or others are refused, as ssh does.
    /// A trailing newline in a file is trimmed.
    pub fn resolve(&self) -> Result<Secret, SecretError> {
        match self {
            SecretRef::BuiltIn(value) => Ok(Secret::new(*value)),
            SecretRef::Env(name) => match std::env::var(name) {
                Ok(v) if v.is_empty() => Err(SecretError::EnvEmpty(name.clone())),
                Ok(v) => Ok(Secret::new(v)),
                Err(_) => Err(SecretError::EnvMissing(name.clone())),
            },
            SecretRef::File(path) => {
                check_file_mode(path)?;
                let bytes = std::fs::read(path)
                    .map_err(|e| SecretError::FileUnreadable { path: path.clone(), reason: e.to_string() })?;
                let text = String::from_utf8(bytes).map_err(|_| SecretError::FileUnreadable {
                    path: path.clone(),
                    reason: "not UTF-8 text".into(),
                })?;
                let trimmed = text.trim_end_matches(['\r', '\n']);
                if trimmed.is_empty() {
                    return Err(SecretError::FileEmpty(path.clone()));
                }
                Ok(Secret::new(trimmed.to_string()))
            }
        }
    }

    /// Read a binary secret (e.g. a PKCS#12 file) with the same permission rule.
    pub fn read_bytes(path: &Path) -> Result<Vec<u8>, SecretError> {
        check_file_mode(path)?;
        std::fs::read(path)
            .map_err(|e| SecretError::FileUnreadable { path: path.to_path_buf(), reason: e.to_string() })
    }
}

#[cfg(unix)]
fn check_file_mode(path: &Path) -> Result<(), SecretError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| SecretError::FileUnreadable { path: path.to_path_buf(), reason: e.to_string() })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SecretError::FileTooOpen { path: path.to_path_buf(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_file_mode(_path: &Path) -> Result<(), SecretError> {
    Ok(())
}

/// A secret value: client secret, password, token, key material. Redacted in
/// `Debug`/`Display`; read it with [`Secret::expose`] only where it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The raw value; call only at the point it goes on the wire or into a signer.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted() {
        let s = Secret::new("canary-123");
        assert!(!format!("{s:?}").contains("canary"));
        assert!(!format!("{s}").contains("canary"));
        assert_eq!(s.expose(), "canary-123");
    }

    #[cfg(unix)]
    #[test]
    fn open_secret_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s");
        std::fs::write(&path, "value\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = SecretRef::File(path.clone()).resolve().expect_err("must refuse");
        assert!(matches!(err, SecretError::FileTooOpen { mode: 0o644, .. }));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert_eq!(SecretRef::File(path).resolve().expect("ok").expose(), "value");
    }
}
