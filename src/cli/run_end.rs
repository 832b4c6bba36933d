//! The end of `run` (and the start summary of a resumed run) from its journal, streamed:
//! pass 1 indexes where each step's effective line is, pass 2 reads those lines back one
//! at a time into the folds — the summary's tally, the failed records the table groups,
//! the checks no line was written for, the exports' groups — so a run never holds the
//! records of all its steps (~1 KB per tenant at 3 steps). What is written, and in which
//! order, is what the in-memory path (`journal::effective` of the whole journal) writes.

use crate::error::CliError;
use crate::output::completion::{self, Completion};
use crate::output::export_index::{ExportIndex, ExportPlan};
use crate::output::journal_index::EffectiveIndex;
use crate::output::judging::{Judged, StepChecks};
use crate::output::record::TenantOf;
use crate::output::summary::ChecksSummary;
use crate::output::tally::Tally;
use crate::output::{rundir, StepRecord, StepStatus, Summary};
use std::collections::BTreeMap;
use std::path::Path;

/// What the folds kept for after the summary is written.
pub(super) struct Folded {
    index: EffectiveIndex,
    /// The failed effective records, in journal order (the table groups them).
    failed: Vec<StepRecord>,
    /// Set when exports were asked for.
    exports: Option<ExportPlan>,
    /// The effective lines of `checks.jsonl` counted after the missing ones were judged
    /// (nothing without expectations), or why they could not be.
    pub checks: Result<ChecksSummary, String>,
}

fn journal_error(e: crate::output::journal::JournalError) -> CliError {
    CliError::Fatal(e.to_string())
}

/// Fold `run_dir`'s journal: `summary`'s counts and tenants from `planned`; with
/// `checks` (`Ok(None)`: no expectations; `Err`: the live judge failed), the check lines
/// completed and counted; with `exports`, the export groups noted.
///
/// A run whose live judge started on an empty `checks.jsonl` and was given every step
/// of the journal, each once, wrote every check line there is: its own count is the
/// summary, and `checks.jsonl` is not read back. Otherwise (a resumed run, a step
/// written twice) the file's effective lines are read and the missing ones judged.
pub(super) fn fold(
    run_dir: &Path,
    planned: &BTreeMap<String, u64>,
    summary: &mut Summary,
    checks: Result<Option<(&StepChecks, Judged)>, String>,
    exports: bool,
) -> Result<Folded, CliError> {
    let index = EffectiveIndex::scan(&run_dir.join(rundir::RESULTS)).map_err(journal_error)?;
    let (checks, have, counted) = match checks {
        Ok(Some((_, judged))) if judged.counted_everything(&index) => {
            (None, Ok(Vec::new()), Some(judged.tally.finish()))
        }
        Ok(Some((c, _))) => (Some(c), completion::have(run_dir), None),
        Ok(None) => (None, Ok(Vec::new()), None),
        Err(e) => (None, Err(e), None),
    };
    let mut completion = match (checks, &have) {
        (Some(c), Ok(have)) => Some(Completion::new(run_dir, c, have)),
        _ => None,
    };
    let mut tally = Tally::new(planned);
    let mut failed = Vec::new();
    let mut export = exports.then(ExportIndex::default);
    index
        .replay(|offset, r: StepRecord| {
            tally.add(&r);
            if let Some(c) = &mut completion {
                c.add(&r);
            }
            if let Some(e) = &mut export {
                e.add(offset, &r);
            }
            if r.status == StepStatus::Failed {
                failed.push(r);
            }
        })
        .map_err(journal_error)?;
    tally.finish(summary);
    let missing = completion.map(Completion::into_missing);
    let checks = match (counted, have, missing) {
        (Some(counted), _, _) => Ok(counted),
        (None, Ok(have), Some(missing)) => {
            completion::write_missing(run_dir, have, missing).map(|l| ChecksSummary::from_lines(&l))
        }
        (None, have, _) => have.map(|l| ChecksSummary::from_lines(&l)),
    };
    Ok(Folded { index, failed, exports: export.map(ExportIndex::finish), checks })
}

impl Folded {
    /// Write the exports asked for (`write` is one of `export_*_from`).
    pub(super) fn export(
        &self,
        write: fn(
            &Path,
            &mut dyn crate::output::export_groups::Groups,
        ) -> std::io::Result<Vec<std::path::PathBuf>>,
        run_dir: &Path,
    ) -> Result<(), CliError> {
        let Some(plan) = &self.exports else { return Ok(()) };
        let journal = self.index.reader().map_err(journal_error)?;
        write(run_dir, &mut plan.groups(journal))
            .map(drop)
            .map_err(|e| CliError::Fatal(format!("{}: {e}", run_dir.display())))
    }

    /// The summary table: the failed records, and the names of the tenants it labels
    /// read back from the journal (the last line naming a tenant gives its name).
    pub(super) fn table(&self, summary: &Summary, run_dir: &Path) -> Result<String, CliError> {
        let wanted = crate::progress::table::labelled_tenants(summary, &self.failed);
        let mut names = BTreeMap::new();
        if !wanted.is_empty() {
            self.index
                .replay(|_, t: TenantOf| {
                    if let Some(name) = t.tenant_name.filter(|_| wanted.contains(t.tenant.as_str())) {
                        names.insert(t.tenant, name);
                    }
                })
                .map_err(journal_error)?;
        }
        Ok(crate::progress::table::render_failed(summary, &self.failed, &names, run_dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adminapi::ErrorKind;
    use crate::output::{export, journal, Journal, SelectionRecord, StepError};
    use std::path::PathBuf;

    fn line(
        tenant: &str,
        name: Option<&str>,
        step: usize,
        status: StepStatus,
        ms: u64,
        error: Option<&str>,
    ) -> StepRecord {
        let ok = status == StepStatus::Ok;
        StepRecord {
            tenant_name: name.map(str::to_string),
            command: "labels".into(),
            duration_ms: ms,
            item_count: ok.then_some(1),
            items: ok.then(|| format!("items/labels/{tenant}.{step}.jsonl")),
            error: error.map(|m| StepError {
                kind: ErrorKind::Cmdlet,
                status: Some(400),
                code: None,
                exception_type: None,
                message: format!("{m} in {tenant}"),
            }),
            ..StepRecord::sample(tenant, step, status)
        }
    }

    /// A journal with retried and resumed steps (a key's later lines win, in the slot of
    /// its first), names that change, a tenant that was not planned, and items files.
    fn run_dir() -> tempfile::TempDir {
        use StepStatus::{Failed, Ok, Skipped};
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join(rundir::RESULTS)).unwrap();
        let lines = [
            line("a.example", Some("Alpha"), 0, Failed, 10, Some("first")),
            line("b.example", None, 0, Failed, 20, Some("quota")),
            line("c.example", Some("Gamma"), 0, Failed, 5, Some("quota")),
            line("b.example", None, 0, Failed, 7, Some("quota")),
            line("a.example", None, 0, Failed, 1500, Some("denied")),
            line("d.example", None, 0, Skipped, 1, None),
            // A resume: what was not ok runs again.
            line("c.example", Some("Gamma"), 0, Ok, 2500, None),
            line("e.example", Some("Not planned"), 0, Ok, 3, None),
            line("a.example", Some("Alpha Corp"), 1, Ok, 30, None),
            line("b.example", Some("Beta"), 1, Ok, 4, None),
            line("c.example", Some("Gamma"), 1, Ok, 2, None),
        ];
        for l in &lines {
            j.append(l).unwrap();
            if let Some(items) = &l.items {
                let path = dir.path().join(items);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, format!("{{\"Name\":\"{}\",\"n\":{}}}\n", l.tenant, l.step)).unwrap();
            }
        }
        dir
    }

    fn summary() -> Summary {
        Summary::started("RID".into(), String::new(), String::new(), vec![], SelectionRecord::default())
    }

    /// Every export file's bytes, then the export folders removed.
    fn take_exports(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        for sub in [rundir::CSV, rundir::JSON, rundir::JSONL] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let path = e.unwrap().path();
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
            std::fs::remove_dir_all(dir.join(sub)).unwrap();
        }
        out
    }

    #[test]
    fn streamed_end_of_run_writes_what_the_in_memory_path_writes() {
        let dir = run_dir();
        let run = dir.path();
        let planned: BTreeMap<String, u64> =
            [("a.example", 2), ("b.example", 2), ("c.example", 2), ("d.example", 1)]
                .map(|(t, n)| (t.to_string(), n))
                .into();

        let mut streamed = summary();
        let folded = fold(run, &planned, &mut streamed, Ok(None), true).unwrap();
        folded.export(export::export_csv_from, run).unwrap();
        folded.export(export::export_json_from, run).unwrap();
        folded.export(export::export_jsonl_from, run).unwrap();
        let streamed_table = folded.table(&streamed, Path::new("runs/RID")).unwrap();
        let streamed_exports = take_exports(run);

        // The path this replaces: every effective record in memory.
        let records = journal::effective(journal::read(&run.join(rundir::RESULTS)).unwrap());
        let mut in_memory = summary();
        in_memory.tally(&planned, &records);
        export::export_csv(run, &records).unwrap();
        export::export_json(run, &records).unwrap();
        export::export_jsonl(run, &records).unwrap();
        let in_memory_table = crate::progress::render_summary(&in_memory, &records, Path::new("runs/RID"));

        assert_eq!(streamed, in_memory);
        assert_eq!(streamed_table, in_memory_table);
        assert_eq!(streamed_exports, take_exports(run));

        // And what that is, pinned: counts, the latest names, the failure groups in
        // first-seen order (a.example's step 0 first, though its last line came after
        // b.example's).
        assert_eq!(
            (streamed.counts.ok, streamed.counts.failed, streamed.counts.skipped, streamed.counts.not_run),
            (4, 2, 1, 0)
        );
        assert_eq!(streamed.tenants["c.example"].duration_ms, 2502);
        assert!(
            streamed_table.contains(
                "\nSlowest tenants\n  c.example (Gamma)            2.5s\n  a.example (Alpha Corp)       1.5s\n"
            ),
            "{streamed_table}"
        );
        assert!(
            streamed_table.contains(
                "\nFailures (2 steps, 2 causes)\n  Get-X (cmdlet) in a.example (Alpha Corp)\n    denied in a.example\n  \
                 Get-X (cmdlet) in b.example (Beta)\n    quota in b.example\n"
            ),
            "{streamed_table}"
        );
        let csv = String::from_utf8(streamed_exports[Path::new("csv/labels.0.csv")].clone()).unwrap();
        assert_eq!(csv, "\u{feff}tenant,tenant_name,Name,n\nc.example,Gamma,c.example,0\ne.example,Not planned,e.example,0\n");
        let csv = String::from_utf8(streamed_exports[Path::new("csv/labels.1.csv")].clone()).unwrap();
        assert_eq!(
            csv,
            "\u{feff}tenant,tenant_name,Name,n\na.example,Alpha Corp,a.example,1\nb.example,Beta,b.example,1\nc.example,Gamma,c.example,1\n"
        );
    }

    #[test]
    fn a_run_without_a_journal_tallies_nothing_done() {
        let dir = tempfile::tempdir().unwrap();
        let planned: BTreeMap<String, u64> = [("a.example".to_string(), 2)].into();
        let mut s = summary();
        let folded = fold(dir.path(), &planned, &mut s, Ok(None), false).unwrap();
        assert_eq!(s.counts.not_run, 2);
        assert!(folded.failed.is_empty() && folded.checks.unwrap() == ChecksSummary::default());
    }
}
