//! The journal's effective lines found without holding its records: pass 1 reads
//! `results.jsonl` once and keeps, per step, only where its effective line starts (a
//! byte offset, in the order [`super::journal::effective`] returns them: first-seen order,
//! the last line written for a step wins); [`EffectiveIndex::replay`] then reads those
//! lines again one at a time for the folds at the end of a run (tally, failures,
//! checks, exports). 100,000 tenants × 3 steps need ~2.4 MB of offsets instead of
//! ~100 MB of records.
//!
//! Steps are told apart by a 64-bit hash of (tenant, command list, step); when two lines
//! share a hash the earlier line's key is read back to compare, and a different step with
//! the same hash goes to a small map of full keys, so a collision never merges two steps.

use super::journal::{self, JournalError};
use super::journal_at::JournalAt;
use super::record::{StepKey, StepRecord};
use serde::Deserialize;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::path::{Path, PathBuf};

/// Where each step's effective line starts, in first-seen order.
#[derive(Debug, Default)]
pub struct EffectiveIndex {
    path: PathBuf,
    offsets: Vec<u64>,
    /// Lines scanned, superseded ones included.
    lines: u64,
}

/// A line's step, read back to compare keys whose hashes are equal.
#[derive(Deserialize)]
struct KeyOf {
    tenant: String,
    command: String,
    step: usize,
}

/// The keys are already hashes: used as they are.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn key_hash(tenant: &str, command: &str, step: usize) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    (tenant, command, step).hash(&mut h);
    h.finish()
}

impl EffectiveIndex {
    /// Pass 1 over `path` (a missing journal has no lines). Every line is checked as
    /// [`journal::read`] checks it: a malformed line or an unsafe `items` path is an error.
    pub fn scan(path: &Path) -> Result<EffectiveIndex, JournalError> {
        Self::scan_hashed(path, key_hash)
    }

    /// [`Self::scan`] with the hash of a step given (tests force collisions with it).
    fn scan_hashed(
        path: &Path,
        key_hash: fn(&str, &str, usize) -> u64,
    ) -> Result<EffectiveIndex, JournalError> {
        let mut index = EffectiveIndex { path: path.to_path_buf(), offsets: Vec::new(), lines: 0 };
        let Some(mut lines) = journal::open_lines(path)? else { return Ok(index) };
        let io = |source| JournalError::Io { path: path.display().to_string(), source };
        let mut slots: HashMap<u64, usize, BuildHasherDefault<Prehashed>> = HashMap::default();
        // Steps whose hash an earlier, different step already holds (practically never).
        let mut collided: HashMap<StepKey, usize> = HashMap::new();
        let mut at: Option<JournalAt> = None;
        while let Some(line) = lines.next_line().map_err(io)? {
            let record: StepRecord = journal::parse_line(path, &line)?;
            journal::check_items(path, &record, line.number)?;
            index.lines += 1;
            let hash = key_hash(&record.tenant, &record.command, record.step);
            let Some(&slot) = slots.get(&hash) else {
                slots.insert(hash, index.offsets.len());
                index.offsets.push(line.offset);
                continue;
            };
            let reader = match &mut at {
                Some(r) => r,
                None => at.insert(JournalAt::open(path)?),
            };
            let held: KeyOf = reader.read(index.offsets[slot])?;
            if (held.tenant.as_str(), held.command.as_str(), held.step)
                == (record.tenant.as_str(), record.command.as_str(), record.step)
            {
                index.offsets[slot] = line.offset;
                continue;
            }
            match collided.entry(record.key()) {
                std::collections::hash_map::Entry::Occupied(e) => index.offsets[*e.get()] = line.offset,
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(index.offsets.len());
                    index.offsets.push(line.offset);
                }
            }
        }
        index.offsets.shrink_to_fit();
        Ok(index)
    }

    /// How many steps the journal has.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// Whether every line is a different step (no step was written twice).
    pub fn has_each_step_once(&self) -> bool {
        self.lines == self.offsets.len() as u64
    }

    /// Pass 2: each effective line as `T` with its offset, in first-seen order (`T` may
    /// be a [`StepRecord`] or a lighter view of one).
    pub fn replay<T: serde::de::DeserializeOwned>(
        &self,
        mut each: impl FnMut(u64, T),
    ) -> Result<(), JournalError> {
        if self.offsets.is_empty() {
            return Ok(());
        }
        let mut at = JournalAt::open(&self.path)?;
        for &offset in &self.offsets {
            each(offset, at.read(offset)?);
        }
        Ok(())
    }

    /// A reader of this journal's lines by offset (the exports read items paths back).
    pub fn reader(&self) -> Result<JournalAt, JournalError> {
        JournalAt::open(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::record::StepStatus;
    use crate::output::Journal;

    fn rec(tenant: &str, step: usize, status: StepStatus, attempts: u32) -> StepRecord {
        StepRecord { attempts, ..StepRecord::sample(tenant, step, status) }
    }

    /// The streamed records equal [`journal::effective`] of the whole journal.
    fn replayed(path: &Path) -> Vec<StepRecord> {
        let mut out = Vec::new();
        EffectiveIndex::scan(path).unwrap().replay(|_, r: StepRecord| out.push(r)).unwrap();
        out
    }

    #[test]
    fn replay_is_effective_in_first_seen_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.jsonl");
        let mut j = Journal::open(&path).unwrap();
        for (t, s, status, a) in [
            ("a", 0, StepStatus::Failed, 1),
            ("b", 0, StepStatus::Failed, 2),
            ("a", 1, StepStatus::Ok, 1),
            ("a", 0, StepStatus::Skipped, 1),
            ("c", 0, StepStatus::Ok, 1),
            ("a", 0, StepStatus::Ok, 3),
            ("b", 0, StepStatus::Ok, 1),
        ] {
            j.append(&rec(t, s, status, a)).unwrap();
        }
        drop(j);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"\n{\"tenant\":\"torn"))
            .unwrap();
        let got = replayed(&path);
        assert_eq!(got, journal::effective(journal::read(&path).unwrap()));
        let keys: Vec<(&str, usize, u32)> =
            got.iter().map(|r| (r.tenant.as_str(), r.step, r.attempts)).collect();
        assert_eq!(keys, [("a", 0, 3), ("b", 0, 1), ("a", 1, 1), ("c", 0, 1)]);
    }

    #[test]
    fn a_missing_journal_is_empty_and_bad_lines_are_refused_as_read_refuses_them() {
        let dir = tempfile::tempdir().unwrap();
        assert!(EffectiveIndex::scan(&dir.path().join("none")).unwrap().is_empty());
        std::fs::write(dir.path().join("bad"), "\nnot json\n").unwrap();
        assert!(matches!(
            EffectiveIndex::scan(&dir.path().join("bad")),
            Err(JournalError::Corrupt { line: 2, .. })
        ));
        let unsafe_items =
            StepRecord { items: Some("../x".into()), ..StepRecord::sample("a", 0, StepStatus::Ok) };
        std::fs::write(
            dir.path().join("unsafe"),
            format!("{}\n", serde_json::to_string(&unsafe_items).unwrap()),
        )
        .unwrap();
        assert!(matches!(
            EffectiveIndex::scan(&dir.path().join("unsafe")),
            Err(JournalError::UnsafeItems { line: 1, .. })
        ));
    }

    #[test]
    fn steps_whose_hashes_collide_stay_apart() {
        // Every key hashed alike: each repeat reads the held key back, and distinct steps
        // go to the map of full keys.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.jsonl");
        let mut j = Journal::open(&path).unwrap();
        let lines = [("a", 0, 1), ("b", 0, 1), ("a", 0, 2), ("c", 1, 1), ("b", 0, 2), ("b", 0, 3)];
        for (t, s, a) in lines {
            j.append(&rec(t, s, StepStatus::Ok, a)).unwrap();
        }
        drop(j);
        let index = EffectiveIndex::scan_hashed(&path, |_, _, _| 7).unwrap();
        let mut got = Vec::new();
        index.replay(|_, r: StepRecord| got.push((r.tenant, r.step, r.attempts))).unwrap();
        assert_eq!(got, [("a".into(), 0, 2), ("b".into(), 0, 3), ("c".into(), 1, 1)]);
    }
}
