//! Consumers of run events that write the run directory (SPEC §3): the journal
//! `results.jsonl`, items files, `checks.jsonl`, `summary.json`, CSV/JSON exports; plus reading a
//! run back for `--resume` and combining shards for `merge`.

pub mod checks;
pub mod completion;
pub mod export;
pub mod export_cells;
pub mod export_groups;
pub mod export_index;
pub mod items;
pub mod journal;
pub mod journal_at;
pub mod journal_index;
pub mod journal_lines;
pub mod judging;
pub mod merge;
pub mod profile_copy;
pub mod record;
pub mod resume;
pub mod rundir;
pub mod safe_fs;
pub mod sanitize;
pub mod summary;
pub mod tally;

pub use items::{ItemsDir, ItemsWriter};
pub use journal::Journal;
pub use record::{StepError, StepKey, StepRecord, StepStatus};
pub use summary::{Counts, SelectionRecord, Summary, TenantSummary, Totals};
