//! `tenantrun merge RUN_DIR... --out DIR`: combine shard run directories into one
//! run directory equal to a single-machine run (up to ordering and timestamps).

use super::journal::{self, Journal, JournalError};
use super::record::StepRecord;
use super::rundir::{self, CSV, JSON, RESULTS};
use super::safe_fs::{self, RunDirError};
use super::summary::Summary;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why runs could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{0}: not a run directory (no summary.json or results.jsonl)")]
    NotARun(PathBuf),
    #[error("{0}: cannot read summary.json: {1}")]
    Summary(PathBuf, std::io::Error),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0} already holds a run (results.jsonl exists); choose an empty --out")]
    OutNotEmpty(PathBuf),
    #[error(
        "incomplete set of shards: {} of {count} missing ({}) (hint: merge every shard's run directory, or pass --partial to merge these anyway)",
        missing.len(),
        missing.join(", ")
    )]
    IncompleteShards { count: u32, missing: Vec<String> },
    #[error("cannot merge: {0}")]
    MismatchedShards(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    RunDir(#[from] RunDirError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MergeError + '_ {
    move |source| MergeError::Io { path: path.to_path_buf(), source }
}

/// The shards that `summaries` lack, as `I/N`; runs made without `--shard` are a whole set.
fn missing_shards(runs: &[(&PathBuf, &Summary)]) -> Result<(u32, Vec<String>), MergeError> {
    let mut count = None;
    let mut present = std::collections::BTreeSet::new();
    let mut unsharded = Vec::new();
    for (run, summary) in runs {
        let Some(text) = &summary.selection.shard else {
            unsharded.push(run.display().to_string());
            continue;
        };
        let shard = crate::planner::Shard::parse(text)
            .map_err(|e| MergeError::MismatchedShards(format!("{}: shard `{text}`: {e}", run.display())))?;
        match count {
            Some(n) if n != shard.count => {
                return Err(MergeError::MismatchedShards(format!(
                    "{} is shard {text} but others are shards of {n}",
                    run.display()
                )))
            }
            _ => count = Some(shard.count),
        }
        present.insert(shard.index);
    }
    let Some(count) = count else { return Ok((0, vec![])) };
    if !unsharded.is_empty() {
        return Err(MergeError::MismatchedShards(format!(
            "{} ran without --shard, the others are shards of {count}",
            unsharded.join(", ")
        )));
    }
    let missing = (1..=count).filter(|i| !present.contains(i)).map(|i| format!("{i}/{count}")).collect();
    Ok((count, missing))
}

/// Merge `runs` into `out`; returns the merged summary. An incomplete set of shards
/// is refused unless `partial`. Nothing in a shard is trusted as a path (SPEC §9): a link
/// in a shard or in `out`, or an items path outside `items/`, is refused before anything
/// is written.
pub fn merge(runs: &[PathBuf], out: &Path, partial: bool) -> Result<Summary, MergeError> {
    if std::fs::symlink_metadata(out.join(RESULTS)).is_ok() {
        return Err(MergeError::OutNotEmpty(out.to_path_buf()));
    }
    safe_fs::refuse_links(out)?;
    let mut parts = Vec::new();
    for run in runs {
        if !run.join(rundir::SUMMARY).exists() && !run.join(RESULTS).exists() {
            return Err(MergeError::NotARun(run.clone()));
        }
        safe_fs::refuse_links(run)?;
        let summary = Summary::read(run).map_err(|e| MergeError::Summary(run.clone(), e))?;
        let records = journal::effective(journal::read(&run.join(RESULTS))?);
        parts.push((run, summary, records));
    }
    let (count, missing) = missing_shards(&parts.iter().map(|(r, s, _)| (*r, s)).collect::<Vec<_>>())?;
    if !missing.is_empty() && !partial {
        return Err(MergeError::IncompleteShards { count, missing });
    }
    safe_fs::create_dir_all(&out.join(rundir::ITEMS)).map_err(io(out))?;

    let mut merged: Option<Summary> = None;
    let mut planned: BTreeMap<String, u64> = BTreeMap::new();
    let mut all: Vec<StepRecord> = Vec::new();
    let (mut want_csv, mut want_json) = (false, false);
    for (run, summary, records) in &parts {
        want_csv |= run.join(CSV).is_dir();
        want_json |= run.join(JSON).is_dir();
        for (tenant, t) in &summary.tenants {
            planned.insert(tenant.clone(), t.steps);
        }
        for r in records {
            if let Some(rel) = &r.items {
                copy_items(&run.join(rel), &out.join(rel))?;
            }
        }
        all.extend(records.iter().cloned());
        match &mut merged {
            None => {
                let mut s = summary.clone();
                s.merged_from = vec![summary.run_id.clone()];
                s.selection.shard = None;
                merged = Some(s);
            }
            Some(m) => {
                if m.profile_digest != summary.profile_digest {
                    // Paths take part in the digest, so shards run from different
                    // checkouts differ; worth a warning, not a refusal.
                    tracing::warn!(
                        "{} was made from a different profile digest ({} vs {})",
                        run.display(),
                        summary.profile_digest,
                        m.profile_digest
                    );
                }
                m.merged_from.push(summary.run_id.clone());
                m.started_at = m.started_at.clone().min(summary.started_at.clone());
                m.finished_at = match (&m.finished_at, &summary.finished_at) {
                    (Some(a), Some(b)) => Some(a.clone().max(b.clone())),
                    _ => None,
                };
                m.interrupted |= summary.interrupted;
                m.resumes += summary.resumes;
                m.totals.add(&summary.totals);
            }
        }
    }
    let all = journal::effective(all);
    let mut journal = Journal::open(&out.join(RESULTS))?;
    for r in &all {
        journal.append(r).map_err(io(&out.join(RESULTS)))?;
    }
    journal.sync().map_err(io(&out.join(RESULTS)))?;
    let mut summary = merged.ok_or_else(|| MergeError::NotARun(PathBuf::from("(none)")))?;
    summary.run_id =
        out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(rundir::new_run_id);
    summary.tally(&planned, &all);
    // checks.jsonl: every shard's effective lines (a (tenant, check) lives in one shard).
    let mut lines = Vec::new();
    for (run, _, _) in &parts {
        lines.extend(super::checks::read(&run.join(super::rundir::CHECKS))?);
    }
    let lines = super::checks::effective(lines);
    if !lines.is_empty() {
        super::checks::rewrite(out, &lines)?;
    }
    summary.checks = super::summary::ChecksSummary::from_lines(&lines);
    // The profile copy, so `check` works on the merged run (shards ran one profile).
    if let Some((run, _, _)) = parts.iter().find(|(r, _, _)| super::profile_copy::exists(r)) {
        if let Ok((files, _)) = super::profile_copy::files(run) {
            super::profile_copy::save(out, &files).map_err(io(out))?;
        }
    }
    summary.missing_shards = missing;
    if want_csv {
        super::export::export_csv(out, &all).map_err(io(&out.join(CSV)))?;
    }
    if want_json {
        super::export::export_json(out, &all).map_err(io(&out.join(JSON)))?;
    }
    summary.write(out).map_err(io(out))?;
    Ok(summary)
}

/// Hard-link when possible (same file system), else copy (0600). Both paths were checked
/// to be inside `items/` and free of links.
fn copy_items(from: &Path, to: &Path) -> Result<(), MergeError> {
    if let Some(parent) = to.parent() {
        safe_fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let _ = std::fs::remove_file(to);
    if std::fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    let mut source = safe_fs::open_read(from).map_err(io(from))?;
    let mut target = safe_fs::create_new(to).map_err(io(to))?;
    std::io::copy(&mut source, &mut target).map(|_| ()).map_err(io(to))
}
