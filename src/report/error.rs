//! Why a report or a diff could not be made.

use std::path::PathBuf;

/// A report or diff failure, naming the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The folder has no readable `summary.json`.
    #[error("{path}: not a run directory ({reason}) (hint: pass OUT/<run-id>)")]
    NotARun { path: PathBuf, reason: String },
    /// `results.jsonl` or `checks.jsonl` has a malformed line.
    #[error(transparent)]
    Journal(#[from] crate::output::journal::JournalError),
    /// An items file has a line that is not a JSON object.
    #[error("{path}:{line}: not a JSON object: {reason}")]
    Items { path: PathBuf, line: usize, reason: String },
    /// Reading an input or writing the report failed.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// The run directory holds a symbolic link (SPEC §9).
    #[error(transparent)]
    RunDir(#[from] crate::output::safe_fs::RunDirError),
    /// The XLSX writer failed.
    #[error("{path}: {reason}")]
    Xlsx { path: PathBuf, reason: String },
}

impl ReportError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ReportError {
        let path = path.into();
        move |source| ReportError::Io { path, source }
    }
}
