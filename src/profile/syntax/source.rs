//! A profile file's text with fast byte-offset to line/column conversion and
//! access to one line for diagnostics.

use super::tree::Pos;
use std::path::PathBuf;
use std::sync::Arc;

/// One loaded file: the path as the user wrote it (for messages) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: Arc<str>,
    pub lines: Arc<LineIndex>,
}

impl Source {
    pub fn new(path: PathBuf, text: String) -> Self {
        let text: Arc<str> = text.into();
        let lines = Arc::new(LineIndex::new(text.clone()));
        Source { path, text, lines }
    }

    /// The text of 1-based `line` without its line break, if it exists.
    pub fn line(&self, line: usize) -> Option<&str> {
        let start = *self.lines.starts.get(line.checked_sub(1)?)?;
        let end = self.lines.starts.get(line).copied().unwrap_or(self.text.len());
        self.text.get(start..end).map(|l| l.trim_end_matches(['\n', '\r']))
    }
}

/// Byte offsets of line starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    text: Arc<str>,
}

impl LineIndex {
    pub fn new(text: Arc<str>) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts, text }
    }

    /// The 1-based line and (character) column of a byte offset; `len` in bytes
    /// is converted to characters.
    pub fn pos(&self, offset: usize, len: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = self.text.get(start..offset).map(|s| s.chars().count()).unwrap_or(0) + 1;
        let chars = self.text.get(offset..(offset + len).min(self.text.len())).map(|s| s.chars().count());
        Pos::new(line, col, chars.unwrap_or(1).max(1))
    }
}
