//! The checks consumer of a run: judges each finished step against its
//! expectations and appends the lines to `checks.jsonl`. `run` feeds it the
//! `StepFinished` events on a thread of its own (judging reads items files; the
//! event loop never waits for it); `check` judges a finished run's journal.

use super::checks::ChecksFile;
use super::record::StepRecord;
use super::rundir::CHECKS;
use super::summary::ChecksTally;
use crate::expect::exemption::today_utc;
use crate::expect::{judge_step, CheckRecord, Exemption, Expectation, JudgeContext};
use crate::profile::{Profile, Tenant};
use std::collections::HashMap;
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

    /// The ids of the checks of `record`'s step (none when it has no expectations).
    pub fn check_ids<'a>(&'a self, record: &StepRecord) -> impl Iterator<Item = &'a str> + 'a {
        let step = self.steps.get(&(record.command.clone(), record.step));
        step.into_iter().flat_map(|s| s.expect.iter().map(|e| e.id.as_str()))
    }
}

/// The judge of a running run: a thread that appends check lines as steps finish.
pub struct LiveJudge {
    tx: Option<std::sync::mpsc::Sender<StepRecord>>,
    worker: Option<std::thread::JoinHandle<Result<Judged, String>>>,
}

/// What the live judge did: how many finished steps it was given and the lines it
/// wrote, counted. When `checks.jsonl` was empty at the start and the journal has
/// exactly these steps, once each, the count is the run's whole checks summary and
/// nothing needs reading back.
#[derive(Debug)]
pub struct Judged {
    pub started_empty: bool,
    pub steps: u64,
    pub tally: ChecksTally,
}

impl Judged {
    /// Whether the lines counted are every line `checks.jsonl` has: it was empty at the
    /// start and the judge was given each step of `journal` once.
    pub fn counted_everything(&self, journal: &super::journal_index::EffectiveIndex) -> bool {
        self.started_empty && journal.has_each_step_once() && self.steps == journal.len() as u64
    }
}

impl LiveJudge {
    /// Start judging into `run_dir/checks.jsonl` (appending: a resumed run keeps its lines).
    pub fn start(run_dir: &Path, checks: Arc<StepChecks>) -> Result<Self, String> {
        let path = run_dir.join(CHECKS);
        let mut file = ChecksFile::open(&path).map_err(|e| e.to_string())?;
        let started_empty = file.is_empty().map_err(|e| format!("{}: {e}", path.display()))?;
        let (tx, rx) = std::sync::mpsc::channel::<StepRecord>();
        let dir: PathBuf = run_dir.to_path_buf();
        let worker = std::thread::Builder::new()
            .name("checks".into())
            .spawn(move || {
                let mut judged = Judged { started_empty, steps: 0, tally: ChecksTally::default() };
                for record in rx {
                    let lines = checks.judge(&dir, &record);
                    file.append_all(&lines).map_err(|e| format!("cannot append to checks.jsonl: {e}"))?;
                    judged.steps += 1;
                    lines.iter().for_each(|l| judged.tally.add(l));
                }
                file.sync().map_err(|e| format!("cannot write checks.jsonl: {e}"))?;
                Ok(judged)
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
    pub fn finish(mut self) -> Result<Judged, String> {
        drop(self.tx.take());
        match self.worker.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err("the checks thread failed".into()),
            None => Err("the checks thread was not started".into()),
        }
    }
}
