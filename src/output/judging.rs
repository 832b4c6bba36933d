//! The checks consumer of a run: judges each finished step against its
//! expectations and appends the lines to `checks.jsonl`. `run` feeds it the
//! `StepFinished` events on a thread of its own (judging reads items files; the
//! event loop never waits for it); `check` judges a finished run's journal.

use super::checks::{self, ChecksFile};
use super::record::StepRecord;
use super::rundir::CHECKS;
use crate::expect::exemption::today_utc;
use crate::expect::{judge_step, CheckRecord, Exemption, Expectation, JudgeContext};
use crate::profile::{Profile, Tenant};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::Date;

/// A step's expectations, found by (command list, step index).
#[derive(Debug, Clone)]
struct StepExpectations {
    cmdlet: String,
    expect: Arc<[Expectation]>,
}

/// Everything needed to judge the steps of one profile.
#[derive(Debug, Clone)]
pub struct StepChecks {
    steps: HashMap<(String, usize), StepExpectations>,
    tenants: HashMap<String, Tenant>,
    exemptions: Vec<Exemption>,
    today: Date,
}

impl StepChecks {
    /// The profile's expectations; `tenants` give names and tags (for exemptions).
    pub fn new(profile: &Profile, tenants: impl IntoIterator<Item = Tenant>) -> Self {
        let mut steps = HashMap::new();
        for list in &profile.commands {
            for (i, s) in list.steps.iter().enumerate() {
                if !s.expect.is_empty() {
                    steps.insert(
                        (list.name.clone(), i),
                        StepExpectations { cmdlet: s.cmdlet.clone(), expect: s.expect.clone() },
                    );
                }
            }
        }
        // Names and tags matter only to judging: without expectations no tenant is kept.
        let tenants = match steps.is_empty() {
            true => HashMap::new(),
            false => tenants.into_iter().map(|t| (t.id.clone(), t)).collect(),
        };
        StepChecks { steps, tenants, exemptions: profile.exemptions.clone(), today: today_utc() }
    }

    /// Whether any step has expectations.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Judge on another day (tests of expiry).
    pub fn on_day(mut self, today: Date) -> Self {
        self.today = today;
        self
    }

    fn tenant(&self, id: &str) -> Tenant {
        self.tenants.get(id).cloned().unwrap_or_else(|| Tenant {
            id: id.to_string(),
            name: None,
            tags: Vec::new(),
            identity: String::new(),
            environment: String::new(),
            anchor_mailbox: None,
            bypass_mailbox_anchoring: false,
        })
    }

    /// The check lines of one finished step (none when it has no expectations).
    pub fn judge(&self, run_dir: &Path, record: &StepRecord) -> Vec<CheckRecord> {
        let Some(step) = self.steps.get(&(record.command.clone(), record.step)) else { return Vec::new() };
        let ctx = JudgeContext { run_dir, exemptions: &self.exemptions, today: self.today };
        let tenant = self.tenant(&record.tenant);
        if !step.cmdlet.eq_ignore_ascii_case(&record.cmdlet) {
            let why = format!(
                "the run's step {}[{}] ran {}, the profile's step is {}; not judged",
                record.command, record.step, record.cmdlet, step.cmdlet
            );
            return crate::expect::judge::error_lines(&ctx, &tenant, record, &step.expect, &why);
        }
        judge_step(&ctx, &tenant, record, &step.expect)
    }

    /// Judge every record (for `check`), in journal order.
    pub fn judge_all(&self, run_dir: &Path, records: &[StepRecord]) -> Vec<CheckRecord> {
        records.iter().flat_map(|r| self.judge(run_dir, r)).collect()
    }

    /// Lines for the records whose checks have no line yet (a run killed between
    /// appending a step's journal line and its check lines, then resumed).
    pub fn missing(&self, run_dir: &Path, records: &[StepRecord], have: &[CheckRecord]) -> Vec<CheckRecord> {
        let have: HashSet<(&str, &str)> =
            have.iter().map(|l| (l.tenant.as_str(), l.check.as_str())).collect();
        let mut out = Vec::new();
        for r in records {
            let Some(step) = self.steps.get(&(r.command.clone(), r.step)) else { continue };
            if step.expect.iter().any(|e| !have.contains(&(r.tenant.as_str(), e.id.as_str()))) {
                let judged = self.judge(run_dir, r);
                out.extend(
                    judged.into_iter().filter(|l| !have.contains(&(l.tenant.as_str(), l.check.as_str()))),
                );
            }
        }
        out
    }
}

/// The judge of a running run: a thread that appends check lines as steps finish.
pub struct LiveJudge {
    tx: Option<std::sync::mpsc::Sender<StepRecord>>,
    worker: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl LiveJudge {
    /// Start judging into `run_dir/checks.jsonl` (appending: a resumed run keeps its lines).
    pub fn start(run_dir: &Path, checks: Arc<StepChecks>) -> Result<Self, String> {
        let mut file = ChecksFile::open(&run_dir.join(CHECKS)).map_err(|e| e.to_string())?;
        let (tx, rx) = std::sync::mpsc::channel::<StepRecord>();
        let dir: PathBuf = run_dir.to_path_buf();
        let worker = std::thread::Builder::new()
            .name("checks".into())
            .spawn(move || {
                for record in rx {
                    let lines = checks.judge(&dir, &record);
                    file.append_all(&lines).map_err(|e| format!("cannot append to checks.jsonl: {e}"))?;
                }
                file.sync().map_err(|e| format!("cannot write checks.jsonl: {e}"))
            })
            .map_err(|e| format!("cannot start the checks thread: {e}"))?;
        Ok(LiveJudge { tx: Some(tx), worker: Some(worker) })
    }

    /// A step finished (its journal line is written).
    pub fn on_step(&self, record: &StepRecord) {
        if let Some(tx) = &self.tx {
            // A closed channel means the worker stopped on an error, reported by `finish`.
            let _ = tx.send(record.clone());
        }
    }

    /// Wait until every finished step is judged.
    pub fn finish(mut self) -> Result<(), String> {
        drop(self.tx.take());
        match self.worker.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err("the checks thread failed".into()),
            None => Ok(()),
        }
    }
}

/// After a run: judge what has no line yet, then return the effective lines.
pub fn complete(
    run_dir: &Path,
    checks: &StepChecks,
    records: &[StepRecord],
) -> Result<Vec<CheckRecord>, String> {
    let path = run_dir.join(CHECKS);
    let have = checks::effective(checks::read(&path).map_err(|e| e.to_string())?);
    let missing = checks.missing(run_dir, records, &have);
    if missing.is_empty() {
        return Ok(have);
    }
    let mut file = ChecksFile::open(&path).map_err(|e| e.to_string())?;
    file.append_all(&missing).map_err(|e| format!("cannot append to checks.jsonl: {e}"))?;
    file.sync().map_err(|e| e.to_string())?;
    checks::read(&path).map(checks::effective).map_err(|e| e.to_string())
}
