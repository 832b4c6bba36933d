//! Reading one journal line back by its byte offset (from [`super::journal_index`]):
//! the replay of the effective lines, a key compared on a hash collision, an export's
//! items path. The replay's offsets mostly follow one another: those are read through a
//! large buffer; any other offset (a resumed step's later line, the exports' tenant
//! order) is read on its own in small pieces, so a jump never refills the large buffer.

use super::journal::JournalError;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// How much a line read on its own reads at a time (a journal line is ~300 bytes).
const PIECE: usize = 1024;
/// The sequential reader's buffer, and how far ahead it skips rather than jump.
const NEAR: u64 = 64 * 1024;

/// An open journal read by offset.
pub struct JournalAt {
    path: std::path::PathBuf,
    /// Reads in file order.
    reader: BufReader<File>,
    /// Where `reader` stands (the offset its next read starts at).
    pos: u64,
    /// Reads anywhere else, opened when first needed.
    jump: Option<File>,
    line: Vec<u8>,
}

impl JournalAt {
    /// Open `path` (a link is not read).
    pub fn open(path: &Path) -> Result<JournalAt, JournalError> {
        Ok(JournalAt {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(NEAR as usize, open(path)?),
            pos: 0,
            jump: None,
            line: Vec::new(),
        })
    }

    /// The complete line starting at `offset`, as `T`. A line that is no longer there
    /// (the file changed since it was indexed) is [`JournalError::Changed`].
    pub fn read<T: serde::de::DeserializeOwned>(&mut self, offset: u64) -> Result<T, JournalError> {
        self.line.clear();
        let read = match offset.checked_sub(self.pos) {
            // Next in file order, or a little ahead: through the buffer (a skip inside it
            // reads nothing; one past it seeks and refills).
            Some(ahead) if ahead < NEAR => self.read_ahead(ahead).map(|n| self.pos = offset + n as u64),
            // Behind, or far ahead: on its own, and the buffer stays where it was.
            _ => self.read_alone(offset),
        };
        read.map_err(|source| JournalError::Io { path: self.path.display().to_string(), source })?;
        let changed = || JournalError::Changed { path: self.path.display().to_string(), offset };
        if self.line.last() != Some(&b'\n') {
            return Err(changed());
        }
        serde_json::from_slice(&self.line).map_err(|_| changed())
    }

    /// The line `ahead` bytes past `pos` into `self.line`; how many bytes it took.
    fn read_ahead(&mut self, ahead: u64) -> std::io::Result<usize> {
        match usize::try_from(ahead) {
            Ok(skip) if skip <= self.reader.buffer().len() => self.reader.consume(skip),
            _ => self.reader.seek_relative(i64::try_from(ahead).map_err(std::io::Error::other)?)?,
        }
        self.reader.read_until(b'\n', &mut self.line)
    }

    /// The line at `offset` into `self.line`, read through the second handle.
    fn read_alone(&mut self, offset: u64) -> std::io::Result<()> {
        let file = match &mut self.jump {
            Some(f) => f,
            None => self.jump.insert(super::safe_fs::open_read(&self.path)?),
        };
        file.seek(SeekFrom::Start(offset))?;
        let mut piece = [0u8; PIECE];
        loop {
            let n = file.read(&mut piece)?;
            if n == 0 {
                return Ok(());
            }
            match piece[..n].iter().position(|b| *b == b'\n') {
                Some(end) => {
                    self.line.extend_from_slice(&piece[..=end]);
                    return Ok(());
                }
                None => self.line.extend_from_slice(&piece[..n]),
            }
        }
    }
}

fn open(path: &Path) -> Result<File, JournalError> {
    super::safe_fs::open_read(path)
        .map_err(|source| JournalError::Io { path: path.display().to_string(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_by_offset_in_any_order_and_a_stale_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let long = format!("[{}]\n", vec!["7"; 2000].join(","));
        std::fs::write(&path, format!("[1]\n[22]\n[333]\n{long}")).unwrap();
        let mut at = JournalAt::open(&path).unwrap();
        let read = |at: &mut JournalAt, o| at.read::<Vec<u32>>(o).unwrap();
        assert_eq!(read(&mut at, 4), [22]);
        assert_eq!(read(&mut at, 9), [333]);
        assert_eq!(read(&mut at, 0), [1]);
        assert_eq!(read(&mut at, 9), [333]);
        assert_eq!(read(&mut at, 15), vec![7; 2000]);
        assert_eq!(read(&mut at, 4), [22]);
        let end = 15 + long.len() as u64;
        assert!(
            matches!(at.read::<Vec<u32>>(end), Err(JournalError::Changed { offset, .. }) if offset == end)
        );
        assert!(matches!(at.read::<Vec<u32>>(2), Err(JournalError::Changed { offset: 2, .. })));
    }

    #[test]
    fn a_far_jump_leaves_the_file_order_reader_where_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let text: String = (0..20_000u32).map(|i| format!("[{i}]\n")).collect();
        std::fs::write(&path, &text).unwrap();
        let offset_of = |i: u32| text.find(&format!("[{i}]\n")).unwrap() as u64;
        let mut at = JournalAt::open(&path).unwrap();
        assert_eq!(at.read::<Vec<u32>>(offset_of(0)).unwrap(), [0]);
        assert_eq!(at.read::<Vec<u32>>(offset_of(19_999)).unwrap(), [19_999]);
        assert_eq!(at.pos, offset_of(1), "the jump went through the buffer");
        assert_eq!(at.read::<Vec<u32>>(offset_of(1)).unwrap(), [1]);
        assert_eq!(at.read::<Vec<u32>>(offset_of(3)).unwrap(), [3]);
        assert_eq!(at.pos, offset_of(4));
    }
}
