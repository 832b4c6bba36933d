//! Items files `items/<command>/<tenant>.<step>.jsonl`: one object per line, written
//! page by page to a hidden temporary name and renamed into place only when the
//! step completes, so a file under its final name is always whole.

use super::rundir::ITEMS;
use super::sanitize::safe_component;
use crate::adminapi::PageSink;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Suffix of in-progress items files; removed on resume.
pub const PARTIAL_SUFFIX: &str = ".partial";

/// The path of a step's items file relative to the run directory (always `/`-separated).
pub fn relative_path(command: &str, tenant: &str, step: usize) -> String {
    format!("{ITEMS}/{}/{}.{step}.jsonl", safe_component(command), safe_component(tenant))
}

/// The `items/` tree of one run directory.
#[derive(Debug, Clone)]
pub struct ItemsDir {
    run_dir: PathBuf,
    /// Folders already created, so each step costs no `mkdir` (one per command list).
    created: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<PathBuf>>>,
}

impl ItemsDir {
    pub fn new(run_dir: &Path) -> Self {
        ItemsDir { run_dir: run_dir.to_path_buf(), created: Default::default() }
    }

    fn ensure_dir(&self, dir: &Path) -> std::io::Result<()> {
        let mut created = self.created.lock().unwrap_or_else(|p| p.into_inner());
        if !created.contains(dir) {
            super::safe_fs::create_dir_all(dir)?;
            created.insert(dir.to_path_buf());
        }
        Ok(())
    }

    /// Start writing a step's items.
    pub fn open(&self, command: &str, tenant: &str, step: usize) -> std::io::Result<ItemsWriter> {
        let relative = relative_path(command, tenant, step);
        let path = self.run_dir.join(&relative);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| self.run_dir.clone());
        self.ensure_dir(&dir)?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // A version 4 UUID from the thread's RNG (no `getrandom` system call per step).
        let unique = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let temp = dir.join(format!(".{file_name}.{}{PARTIAL_SUFFIX}", unique.simple()));
        let file = super::safe_fs::create_new(&temp)?;
        Ok(ItemsWriter { out: Some(file), temp, path, relative })
    }

    /// Remove temporary files left by a killed run.
    pub fn remove_partials(&self) -> std::io::Result<usize> {
        let mut removed = 0;
        let root = self.run_dir.join(ITEMS);
        let Ok(commands) = std::fs::read_dir(&root) else { return Ok(0) };
        // Links are never followed: a planted `items/<list>` link cannot make this delete elsewhere.
        for dir in commands.flatten().filter(|d| d.file_type().is_ok_and(|t| t.is_dir())) {
            let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
            for f in files.flatten() {
                if f.file_name().to_string_lossy().ends_with(PARTIAL_SUFFIX) {
                    std::fs::remove_file(f.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// An items file being written. Unbuffered: each page arrives as one batch of lines
/// (see [`crate::adminapi::page::BATCH_BYTES`]), written with one `write`.
pub struct ItemsWriter {
    out: Option<File>,
    temp: PathBuf,
    path: PathBuf,
    relative: String,
}

impl ItemsWriter {
    /// Flush and rename into place; returns the path relative to the run directory.
    /// No fsync: a killed process loses nothing the OS already has, and one fsync per
    /// step would dominate large runs (the journal is synced once at the end).
    pub fn commit(mut self) -> std::io::Result<String> {
        // Closed before the rename.
        drop(self.out.take());
        std::fs::rename(&self.temp, &self.path)?;
        Ok(std::mem::take(&mut self.relative))
    }
}

impl PageSink for ItemsWriter {
    fn write_items(&mut self, lines: &[u8]) -> std::io::Result<()> {
        let out = self.out.as_mut().ok_or_else(|| std::io::Error::other("items file already closed"))?;
        out.write_all(lines)
    }
}

impl Drop for ItemsWriter {
    /// A writer dropped without `commit` (failed step) leaves nothing behind.
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_then_renamed_or_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let items = ItemsDir::new(dir.path());
        let mut w = items.open("labels", "contoso.onmicrosoft.com", 0).unwrap();
        w.write_items(b"{\"a\":1}\n{\"b\":[2]}\n").unwrap();
        w.write_items(b"{\"c\":\"x\"}\n").unwrap();
        assert!(!dir.path().join("items/labels/contoso.onmicrosoft.com.0.jsonl").exists());
        let rel = w.commit().unwrap();
        assert_eq!(rel, "items/labels/contoso.onmicrosoft.com.0.jsonl");
        let text = std::fs::read_to_string(dir.path().join(&rel)).unwrap();
        assert_eq!(text, "{\"a\":1}\n{\"b\":[2]}\n{\"c\":\"x\"}\n");

        let mut w = items.open("labels", "fabrikam.com", 1).unwrap();
        w.write_items(b"1\n").unwrap();
        drop(w);
        let names: Vec<_> = std::fs::read_dir(dir.path().join("items/labels")).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn hostile_tenant_stays_inside_items() {
        let rel = relative_path("../x", "../../etc/passwd", 0);
        assert!(rel.starts_with("items/") && !rel.contains(".."), "{rel}");
        assert_eq!(rel.matches('/').count(), 2, "{rel}");
    }
}
