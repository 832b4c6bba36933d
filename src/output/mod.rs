//! The run directory (SPEC §3): journal (`results.jsonl`), items files, summary, CSV, merge.
