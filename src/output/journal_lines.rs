//! The lines of a JSON-lines file written by [`super::Journal`] as they are read: each
//! complete, non-blank line with its number and byte offset. A last line without its
//! newline is where reading stops (torn by a kill). One rule for every reader of the
//! journal: the whole-file read, the effective-line index and its replay.

use std::io::{BufRead, BufReader, Read};

/// Complete lines of a reader, one at a time (the buffer is reused).
pub struct Lines<R> {
    reader: BufReader<R>,
    line: Vec<u8>,
    number: usize,
    offset: u64,
}

/// One complete line: its 1-based number, the byte offset it starts at, its bytes (with `\n`).
pub struct Line<'a> {
    pub number: usize,
    pub offset: u64,
    pub bytes: &'a [u8],
}

impl<R: Read> Lines<R> {
    pub fn new(inner: R) -> Self {
        Lines { reader: BufReader::with_capacity(64 * 1024, inner), line: Vec::new(), number: 0, offset: 0 }
    }

    /// The next complete, non-blank line, or `None` at the end (or at a torn last line).
    pub fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        loop {
            self.line.clear();
            let start = self.offset;
            let n = self.reader.read_until(b'\n', &mut self.line)?;
            self.number += 1;
            self.offset += n as u64;
            if n == 0 || self.line.last() != Some(&b'\n') {
                return Ok(None);
            }
            if !self.line.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(Line { number: self.number, offset: start, bytes: &self.line }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_offsets_blank_lines_and_a_torn_tail() {
        let text = b"{\"a\":1}\n\n  \n{\"b\":2}\n{\"c\":";
        let mut lines = Lines::new(&text[..]);
        let mut got = Vec::new();
        while let Some(l) = lines.next_line().unwrap() {
            got.push((l.number, l.offset, String::from_utf8_lossy(l.bytes).into_owned()));
        }
        assert_eq!(got, [(1, 0, "{\"a\":1}\n".to_string()), (4, 12, "{\"b\":2}\n".to_string())]);
    }
}
