//! Reading one journal line back by its byte offset (from [`super::journal_index`]):
//! the replay of the effective lines, a key compared on a hash collision, an export's
//! items path. Offsets read in increasing order reuse the buffer instead of seeking.

use super::journal::JournalError;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

/// An open journal read by offset.
pub struct JournalAt {
    path: String,
    reader: BufReader<File>,
    /// Where the reader stands (the offset the next read starts at).
    pos: u64,
    line: Vec<u8>,
}

impl JournalAt {
    /// Open `path` (a link is not read).
    pub fn open(path: &Path) -> Result<JournalAt, JournalError> {
        let file = super::safe_fs::open_read(path)
            .map_err(|source| JournalError::Io { path: path.display().to_string(), source })?;
        Ok(JournalAt {
            path: path.display().to_string(),
            reader: BufReader::with_capacity(64 * 1024, file),
            pos: 0,
            line: Vec::new(),
        })
    }

    /// The complete line starting at `offset`, as `T`. A line that is no longer there
    /// (the file changed since it was indexed) is [`JournalError::Changed`].
    pub fn read<T: serde::de::DeserializeOwned>(&mut self, offset: u64) -> Result<T, JournalError> {
        let io = |source| JournalError::Io { path: self.path.clone(), source };
        if offset != self.pos {
            // Forward within the buffer keeps it; anywhere else is a real seek.
            match i64::try_from(offset.wrapping_sub(self.pos)) {
                Ok(ahead) if offset > self.pos => self.reader.seek_relative(ahead).map_err(io)?,
                _ => {
                    self.reader.seek(SeekFrom::Start(offset)).map_err(io)?;
                }
            }
            self.pos = offset;
        }
        self.line.clear();
        let n = self.reader.read_until(b'\n', &mut self.line).map_err(io)?;
        self.pos += n as u64;
        let changed = || JournalError::Changed { path: self.path.clone(), offset };
        if self.line.last() != Some(&b'\n') {
            return Err(changed());
        }
        serde_json::from_slice(&self.line).map_err(|_| changed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_by_offset_in_any_order_and_a_stale_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        std::fs::write(&path, "[1]\n[22]\n[333]\n").unwrap();
        let mut at = JournalAt::open(&path).unwrap();
        let read = |at: &mut JournalAt, o| at.read::<Vec<u32>>(o).unwrap();
        assert_eq!(read(&mut at, 4), [22]);
        assert_eq!(read(&mut at, 9), [333]);
        assert_eq!(read(&mut at, 0), [1]);
        assert_eq!(read(&mut at, 9), [333]);
        assert!(matches!(at.read::<Vec<u32>>(15), Err(JournalError::Changed { offset: 15, .. })));
        assert!(matches!(at.read::<Vec<u32>>(2), Err(JournalError::Changed { offset: 2, .. })));
    }
}
