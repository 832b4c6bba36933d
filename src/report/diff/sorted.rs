//! One step's items file as a stream of objects sorted by key, in bounded memory: up
//! to one chunk of objects is sorted in memory; a longer file is cut into sorted chunk
//! files in a temporary folder and read back through a k-way merge. Equal keys keep
//! their file order, so duplicates pair up first with first.

use super::keyed::Rules;
use crate::report::error::ReportError;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Objects held in memory at once per file (then chunks go to disk).
pub const DEFAULT_CHUNK: usize = 20_000;

/// One object with its sort key and its position in the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub key: String,
    pub pos: u64,
    /// The object as one line of JSON.
    pub line: String,
}

/// The sorted stream.
pub struct SortedItems {
    source: Source,
    /// Chunk files live here until the stream is dropped.
    _scratch: Option<tempfile::TempDir>,
}

enum Source {
    Memory(std::vec::IntoIter<Entry>),
    Merge { readers: Vec<(PathBuf, BufReader<File>)>, heap: BinaryHeap<Reverse<(Entry, usize)>> },
}

impl SortedItems {
    /// Sort `path` (a missing file is empty) by `rules`' key, `chunk` objects at a time.
    pub fn open(path: &Path, rules: &Rules, chunk: usize) -> Result<SortedItems, ReportError> {
        let chunk = chunk.max(1);
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SortedItems { source: Source::Memory(Vec::new().into_iter()), _scratch: None })
            }
            Err(e) => return Err(ReportError::io(path)(e)),
        };
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let mut buffer: Vec<Entry> = Vec::new();
        let mut chunks: Vec<PathBuf> = Vec::new();
        let mut scratch: Option<tempfile::TempDir> = None;
        let mut raw = String::new();
        let mut pos = 0u64;
        loop {
            raw.clear();
            if reader.read_line(&mut raw).map_err(ReportError::io(path))? == 0 {
                break;
            }
            if raw.trim().is_empty() {
                continue;
            }
            pos += 1;
            let object = match serde_json::from_str::<serde_json::Value>(&raw) {
                Ok(serde_json::Value::Object(o)) => o,
                Ok(_) => return Err(items_error(path, pos, "not an object".to_string())),
                Err(e) => return Err(items_error(path, pos, e.to_string())),
            };
            let (_, key) = rules.key_of(&object);
            let line = serde_json::to_string(&object).map_err(|e| items_error(path, pos, e.to_string()))?;
            buffer.push(Entry { key, pos, line });
            if buffer.len() >= chunk {
                let dir = match &scratch {
                    Some(d) => d.path().to_path_buf(),
                    None => {
                        let d = tempfile::tempdir().map_err(ReportError::io(std::env::temp_dir()))?;
                        let p = d.path().to_path_buf();
                        scratch = Some(d);
                        p
                    }
                };
                chunks.push(spill(&mut buffer, &dir, chunks.len())?);
            }
        }
        buffer.sort();
        if chunks.is_empty() {
            return Ok(SortedItems { source: Source::Memory(buffer.into_iter()), _scratch: None });
        }
        if let Some(d) = &scratch {
            if !buffer.is_empty() {
                chunks.push(spill(&mut buffer, d.path(), chunks.len())?);
            }
        }
        let mut readers = Vec::with_capacity(chunks.len());
        let mut heap = BinaryHeap::new();
        for (i, chunk_path) in chunks.into_iter().enumerate() {
            let f = File::open(&chunk_path).map_err(ReportError::io(&chunk_path))?;
            let mut r = BufReader::with_capacity(16 * 1024, f);
            if let Some(e) = read_entry(&chunk_path, &mut r)? {
                heap.push(Reverse((e, i)));
            }
            readers.push((chunk_path, r));
        }
        Ok(SortedItems { source: Source::Merge { readers, heap }, _scratch: scratch })
    }

    /// Whether the file needed chunks on disk.
    pub fn spilled(&self) -> bool {
        matches!(self.source, Source::Merge { .. })
    }
}

impl Iterator for SortedItems {
    type Item = Result<Entry, ReportError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.source {
            Source::Memory(it) => it.next().map(Ok),
            Source::Merge { readers, heap } => {
                let Reverse((entry, i)) = heap.pop()?;
                let (path, reader) = &mut readers[i];
                match read_entry(path, reader) {
                    Ok(Some(next)) => heap.push(Reverse((next, i))),
                    Ok(None) => {}
                    Err(e) => return Some(Err(e)),
                }
                Some(Ok(entry))
            }
        }
    }
}

fn items_error(path: &Path, line: u64, reason: String) -> ReportError {
    ReportError::Items { path: path.to_path_buf(), line: line as usize, reason }
}

/// Sort `buffer` and write it as chunk `n` (`KEY_JSON \t POS \t LINE` per entry); empties it.
fn spill(buffer: &mut Vec<Entry>, dir: &Path, n: usize) -> Result<PathBuf, ReportError> {
    buffer.sort();
    let path = dir.join(format!("chunk-{n}"));
    let file = File::create(&path).map_err(ReportError::io(&path))?;
    let mut out = BufWriter::with_capacity(64 * 1024, file);
    for e in buffer.drain(..) {
        let key = serde_json::Value::String(e.key).to_string();
        writeln!(out, "{key}\t{}\t{}", e.pos, e.line).map_err(ReportError::io(&path))?;
    }
    out.flush().map_err(ReportError::io(&path))?;
    Ok(path)
}

fn read_entry(path: &Path, reader: &mut BufReader<File>) -> Result<Option<Entry>, ReportError> {
    let mut raw = String::new();
    if reader.read_line(&mut raw).map_err(ReportError::io(path))? == 0 {
        return Ok(None);
    }
    let bad = || items_error(path, 0, "damaged sort chunk".to_string());
    let raw = raw.trim_end_matches('\n');
    let mut parts = raw.splitn(3, '\t');
    let key: String = parts.next().and_then(|k| serde_json::from_str(k).ok()).ok_or_else(bad)?;
    let pos: u64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let line = parts.next().ok_or_else(bad)?.to_string();
    Ok(Some(Entry { key, pos, line }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_longer_than_a_chunk_streams_in_the_same_order_as_one_sorted_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("items.jsonl");
        let mut text = String::new();
        for i in 0..2_500u32 {
            // Keys out of order, with duplicates (every 7th repeats an earlier Name).
            let n = (i * 7919) % 1000;
            text.push_str(&format!("{{\"Name\":\"n{n:04}\",\"Seq\":{i}}}\n"));
        }
        std::fs::write(&path, text).unwrap();
        let rules = Rules::new(None, &[]);
        let spilled = SortedItems::open(&path, &rules, 100).unwrap();
        assert!(spilled.spilled());
        let on_disk: Vec<Entry> = spilled.map(|e| e.unwrap()).collect();
        let memory = SortedItems::open(&path, &rules, 1_000_000).unwrap();
        assert!(!memory.spilled());
        let in_memory: Vec<Entry> = memory.map(|e| e.unwrap()).collect();
        assert_eq!(on_disk.len(), 2_500);
        assert_eq!(on_disk, in_memory);
        assert!(on_disk.windows(2).all(|w| (&w[0].key, w[0].pos) < (&w[1].key, w[1].pos)));
    }

    #[test]
    fn a_line_that_is_not_an_object_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("items.jsonl");
        std::fs::write(&path, "{\"Name\":\"a\"}\n[1]\n").unwrap();
        let err = SortedItems::open(&path, &Rules::new(None, &[]), 10).err().unwrap();
        assert_eq!(err.to_string(), format!("{}:2: not a JSON object: not an object", path.display()));
    }
}
