//! `checks.jsonl` (SPEC §7): one line per (tenant, check), appended and flushed as
//! each step is judged, with the journal's durability (a torn last line is cut off
//! on open and ignored on read). A resumed step appends newer lines; the last line
//! of a (tenant, check) wins. `check` rewrites the file whole.

use super::journal::{self, Journal, JournalError};
use crate::expect::record::{CheckKey, CheckRecord};
use std::collections::HashMap;
use std::path::Path;

/// An open `checks.jsonl`.
pub struct ChecksFile {
    journal: Journal,
}

impl ChecksFile {
    /// Open for appending (creating it), first cutting a torn last line.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        Ok(ChecksFile { journal: Journal::open(path)? })
    }

    pub fn append(&mut self, line: &CheckRecord) -> std::io::Result<()> {
        self.journal.append(line)
    }

    /// Append one step's lines with a single write.
    pub fn append_all(&mut self, lines: &[CheckRecord]) -> std::io::Result<()> {
        self.journal.append_all(lines)
    }

    pub fn sync(&self) -> std::io::Result<()> {
        self.journal.sync()
    }

    /// Whether the file has no line yet.
    pub fn is_empty(&self) -> std::io::Result<bool> {
        self.journal.is_empty()
    }
}

/// Every complete line, in order (a missing file has none).
pub fn read(path: &Path) -> Result<Vec<CheckRecord>, JournalError> {
    journal::read_lines(path)
}

/// The effective line of each (tenant, check): the last written wins. First-seen order.
pub fn effective(lines: Vec<CheckRecord>) -> Vec<CheckRecord> {
    let mut index: HashMap<CheckKey, usize> = HashMap::new();
    let mut out: Vec<CheckRecord> = Vec::new();
    for l in lines {
        match index.get(&l.key()) {
            Some(&i) => out[i] = l,
            None => {
                index.insert(l.key(), out.len());
                out.push(l);
            }
        }
    }
    out
}

/// Replace `checks.jsonl` with `lines` atomically (temporary file + rename).
pub fn rewrite(run_dir: &Path, lines: &[CheckRecord]) -> Result<(), JournalError> {
    let path = run_dir.join(super::rundir::CHECKS);
    let temp = run_dir.join(".checks.jsonl.tmp");
    let io = |source| JournalError::Io { path: path.display().to_string(), source };
    let _ = std::fs::remove_file(&temp);
    let mut file = Journal::open(&temp)?;
    for l in lines {
        file.append(l).map_err(io)?;
    }
    file.sync().map_err(io)?;
    drop(file);
    std::fs::rename(&temp, &path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expect::{CheckStatus, Severity};
    use std::io::Write;

    fn line(tenant: &str, check: &str, status: CheckStatus) -> CheckRecord {
        CheckRecord {
            tenant: tenant.into(),
            tenant_name: None,
            check: check.into(),
            title: None,
            severity: Severity::Medium,
            command: "c".into(),
            step: 0,
            cmdlet: "Get-X".into(),
            status,
            outcome: status,
            objects_checked: 1,
            objects_failing: 0,
            failing: vec![],
            detail: "d".into(),
            exemption: None,
        }
    }

    #[test]
    fn field_order_matches_the_spec() {
        let text = serde_json::to_string(&line("t", "C1", CheckStatus::Pass)).unwrap();
        assert_eq!(
            text,
            r#"{"tenant":"t","tenant_name":null,"check":"C1","title":null,"severity":"medium","command":"c","step":0,"cmdlet":"Get-X","status":"pass","outcome":"pass","objects_checked":1,"objects_failing":0,"failing":[],"detail":"d","exemption":null}"#
        );
    }

    #[test]
    fn appended_torn_tail_cut_and_last_line_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checks.jsonl");
        let mut f = ChecksFile::open(&path).unwrap();
        // One step's lines go in one write.
        f.append_all(&[line("a", "C1", CheckStatus::Error), line("b", "C1", CheckStatus::Pass)]).unwrap();
        drop(f);
        let mut raw = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        raw.write_all(br#"{"tenant":"a","che"#).unwrap();
        drop(raw);
        assert_eq!(read(&path).unwrap().len(), 2, "a torn line is not read");
        let mut f = ChecksFile::open(&path).unwrap();
        f.append(&line("a", "C1", CheckStatus::Fail)).unwrap();
        drop(f);
        let all = read(&path).unwrap();
        assert_eq!(all.len(), 3);
        let eff = effective(all);
        assert_eq!(
            eff.iter().map(|l| (l.tenant.as_str(), l.status)).collect::<Vec<_>>(),
            vec![("a", CheckStatus::Fail), ("b", CheckStatus::Pass)]
        );
        rewrite(dir.path(), &eff[..1]).unwrap();
        assert_eq!(read(&path).unwrap(), eff[..1].to_vec());
    }
}
