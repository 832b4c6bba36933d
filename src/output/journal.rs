//! `results.jsonl`, the journal: one line per finished step, appended and flushed as
//! each finishes. Reading it back tolerates a torn last line (a run killed while
//! writing); opening it for append first cuts such a line off.

use super::journal_lines::{Line, Lines};
use super::record::StepRecord;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}:{line}: not a valid line: {reason}")]
    Corrupt { path: String, line: usize, reason: String },
    #[error(
        "{path}:{line}: items path {items:?} is not a relative path inside items/ (refused: nothing read from a run directory is trusted as a path)"
    )]
    UnsafeItems { path: String, line: usize, items: String },
    #[error("{path}: changed while it was read (at byte {offset}) (hint: run the command again)")]
    Changed { path: String, offset: u64 },
}

/// An open journal.
pub struct Journal {
    file: File,
}

impl Journal {
    /// Open for appending (creating it), first truncating any torn last line.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io { path: path.display().to_string(), source };
        let mut file = super::safe_fs::open_append(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len > 0 {
            let keep = complete_prefix_len(&mut file, len).map_err(io)?;
            if keep < len {
                file.set_len(keep).map_err(io)?;
            }
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(Journal { file })
    }

    /// Append one line and flush it to the OS (a later kill cannot lose it).
    /// `checks.jsonl` is written the same way, with check lines.
    pub fn append<T: serde::Serialize>(&mut self, record: &T) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.flush()
    }

    /// Append several lines with one write, flushed to the OS (the check lines of one
    /// step: a kill leaves all of them, none, or a torn last line that is cut on open).
    pub fn append_all<T: serde::Serialize>(&mut self, records: &[T]) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(512 * records.len());
        for r in records {
            serde_json::to_writer(&mut buf, r).map_err(std::io::Error::other)?;
            buf.push(b'\n');
        }
        self.file.write_all(&buf)?;
        self.file.flush()
    }

    /// Force the journal to disk (end of run).
    pub fn sync(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }

    /// Whether it has no complete line (just opened: a torn line is already cut).
    pub fn is_empty(&self) -> std::io::Result<bool> {
        Ok(self.file.metadata()?.len() == 0)
    }
}

/// Length of the file up to and including its last `\n`.
fn complete_prefix_len(file: &mut File, len: u64) -> std::io::Result<u64> {
    let mut pos = len;
    let mut buf = [0u8; 4096];
    while pos > 0 {
        let start = pos.saturating_sub(buf.len() as u64);
        let n = (pos - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        pos = start;
    }
    Ok(0)
}

/// Every complete line of a journal, in order. A last line without its newline is
/// ignored (torn by a kill); a malformed complete line is an error, and so is an
/// `items` path that is not inside `items/` (a tampered journal, SPEC §9).
pub fn read(path: &Path) -> Result<Vec<StepRecord>, JournalError> {
    read_checked(path, |record: &StepRecord, line| check_items(path, record, line))
}

/// Refuse a record whose `items` path is not inside `items/` (SPEC §9); `line` locates it.
pub(super) fn check_items(path: &Path, record: &StepRecord, line: usize) -> Result<(), JournalError> {
    match &record.items {
        Some(items) if !super::safe_fs::is_items_path(items) => {
            Err(JournalError::UnsafeItems { path: path.display().to_string(), line, items: items.clone() })
        }
        _ => Ok(()),
    }
}

/// Every complete line of a JSON-lines file written by [`Journal`], as `T`
/// (results lines, or `checks.jsonl`'s check lines), with the same torn-tail rule.
pub fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, JournalError> {
    read_checked(path, |_: &T, _| Ok(()))
}

/// The journal's lines, or `None` when there is no journal. A link is not read.
pub(super) fn open_lines(path: &Path) -> Result<Option<Lines<File>>, JournalError> {
    match super::safe_fs::open_read(path) {
        Ok(f) => Ok(Some(Lines::new(f))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(JournalError::Io { path: path.display().to_string(), source }),
    }
}

/// One line as `T`, or the error naming its line.
pub(super) fn parse_line<T: serde::de::DeserializeOwned>(
    path: &Path,
    line: &Line<'_>,
) -> Result<T, JournalError> {
    serde_json::from_slice(line.bytes).map_err(|e| JournalError::Corrupt {
        path: path.display().to_string(),
        line: line.number,
        reason: e.to_string(),
    })
}

/// [`read_lines`], each record passed to `check` with its line number.
fn read_checked<T: serde::de::DeserializeOwned>(
    path: &Path,
    check: impl Fn(&T, usize) -> Result<(), JournalError>,
) -> Result<Vec<T>, JournalError> {
    let Some(mut lines) = open_lines(path)? else { return Ok(Vec::new()) };
    let io = |source| JournalError::Io { path: path.display().to_string(), source };
    // Line by line: a 30,000-step journal is never held as one text besides its records.
    let mut out = Vec::new();
    while let Some(line) = lines.next_line().map_err(io)? {
        let record = parse_line(path, &line)?;
        check(&record, line.number)?;
        out.push(record);
    }
    Ok(out)
}

/// The effective record of each step: the last line written for it wins (a resumed
/// step appends a newer line). Returned in first-seen order. The end of `run` and
/// `--resume` find the same lines without holding them ([`super::journal_index`]).
///
/// Done in place: a map of borrowed keys finds each step's first and last line, the last
/// is moved into the first one's slot, and the rest are dropped, so a 300,000-line journal
/// is never held twice nor its keys copied.
pub fn effective(mut records: Vec<StepRecord>) -> Vec<StepRecord> {
    let n = records.len();
    // For the first line of each step, the index of its latest line (itself if only one).
    let mut latest: Vec<usize> = (0..n).collect();
    let mut keep = vec![true; n];
    {
        let mut first: HashMap<(&str, &str, usize), usize> = HashMap::with_capacity(n);
        for (i, r) in records.iter().enumerate() {
            match first.entry((r.tenant.as_str(), r.command.as_str(), r.step)) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    // Its slot gets the latest line's content; every later line is dropped.
                    latest[*e.get()] = i;
                    keep[i] = false;
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
    }
    for (f, &l) in latest.iter().enumerate() {
        if l != f {
            // `f` is a step's first line and `l` its latest: distinct steps never share a line.
            records.swap(f, l);
        }
    }
    let mut i = 0;
    records.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::record::StepStatus;

    fn rec(tenant: &str, step: usize, status: StepStatus) -> StepRecord {
        StepRecord::sample(tenant, step, status)
    }

    #[test]
    fn effective_keeps_first_seen_order_with_the_latest_line_of_each_step() {
        let mut r = vec![
            rec("a", 0, StepStatus::Failed),
            rec("b", 0, StepStatus::Failed),
            rec("a", 1, StepStatus::Ok),
            rec("a", 0, StepStatus::Skipped),
            rec("c", 0, StepStatus::Ok),
            rec("a", 0, StepStatus::Ok),
            rec("b", 0, StepStatus::Ok),
        ];
        r[5].attempts = 3;
        let eff = effective(r);
        let got: Vec<(&str, usize, StepStatus, u32)> =
            eff.iter().map(|r| (r.tenant.as_str(), r.step, r.status, r.attempts)).collect();
        assert_eq!(
            got,
            [
                ("a", 0, StepStatus::Ok, 3),
                ("b", 0, StepStatus::Ok, 1),
                ("a", 1, StepStatus::Ok, 1),
                ("c", 0, StepStatus::Ok, 1)
            ]
        );
    }

    #[test]
    fn append_read_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.jsonl");
        let mut j = Journal::open(&path).unwrap();
        j.append(&rec("a", 0, StepStatus::Ok)).unwrap();
        j.append(&rec("b", 0, StepStatus::Failed)).unwrap();
        drop(j);
        // Simulate a kill in the middle of the third line.
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"tenant":"c","comm"#).unwrap();
        drop(f);
        assert_eq!(read(&path).unwrap().len(), 2);
        let mut j = Journal::open(&path).unwrap();
        j.append(&rec("b", 0, StepStatus::Ok)).unwrap();
        drop(j);
        let all = read(&path).unwrap();
        assert_eq!(all.len(), 3);
        let eff = effective(all);
        assert_eq!(eff.len(), 2);
        assert_eq!((eff[1].tenant.as_str(), eff[1].status), ("b", StepStatus::Ok));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("}\n") && !text.contains("comm\""), "{text}");
    }

    #[test]
    fn missing_journal_is_empty_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(&dir.path().join("none")).unwrap().is_empty());
        std::fs::write(dir.path().join("bad"), "not json\n").unwrap();
        assert!(matches!(read(&dir.path().join("bad")), Err(JournalError::Corrupt { line: 1, .. })));
    }
}
