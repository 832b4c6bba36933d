//! `tenantrun diff` of two 100,000-object steps in bounded memory: the runs are written
//! here (summary, journal, items files of ~45 MB each), the binary compares them, and
//! its peak resident memory (getrusage of the only child this test binary starts) stays
//! far below what holding either file's objects would take.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use tenantrun::output::{Journal, SelectionRecord, StepRecord, StepStatus, Summary};
use tenantrun::profile::Service;

const OBJECTS: u64 = 100_000;
const TENANT: &str = "contoso.onmicrosoft.com";

fn object(i: u64, revision: u64) -> serde_json::Value {
    serde_json::json!({
        "Guid": format!("00000000-0000-4000-8000-{i:012}"),
        "Name": format!("mailbox {i}"),
        "Size": i * 10 + revision,
        "WhenChangedUTC": format!("2026-12-0{}T00:00:00Z", revision + 1),
        "Notes": "x".repeat(300),
    })
}

/// A run directory with one `ok` step whose items are `objects`.
fn write_run(dir: &Path, id: &str, objects: impl Iterator<Item = serde_json::Value>) {
    std::fs::create_dir_all(dir.join("items/big")).unwrap();
    let mut items = std::io::BufWriter::new(
        std::fs::File::create(dir.join(format!("items/big/{TENANT}.0.jsonl"))).unwrap(),
    );
    let mut count = 0;
    for o in objects {
        serde_json::to_writer(&mut items, &o).unwrap();
        std::io::Write::write_all(&mut items, b"\n").unwrap();
        count += 1;
    }
    std::io::Write::flush(&mut items).unwrap();
    let mut summary = Summary::started(
        id.into(),
        "2026-12-01T00:00:00Z".into(),
        "sha256:0".into(),
        vec![],
        SelectionRecord::default(),
    );
    let record = StepRecord {
        tenant: TENANT.into(),
        tenant_name: Some("Contoso".into()),
        command: "big".into(),
        step: 0,
        cmdlet: "Get-Mailbox".into(),
        service: Service::Exchange,
        status: StepStatus::Ok,
        attempts: 100,
        duration_ms: 1,
        item_count: Some(count),
        items: Some(format!("items/big/{TENANT}.0.jsonl")),
        warnings: vec![],
        error: None,
    };
    let mut journal = Journal::open(&dir.join("results.jsonl")).unwrap();
    journal.append(&record).unwrap();
    summary.tally(&[(TENANT.to_string(), 1)].into_iter().collect(), &[record]);
    summary.write(dir).unwrap();
}

#[test]
fn two_hundred_thousand_objects_compare_in_bounded_memory() {
    let scratch = tempfile::tempdir().unwrap();
    let old = scratch.path().join("old");
    let new = scratch.path().join("new");
    // Old: 0..100,000. New: the first 1,000 removed, 1,000 added at the end, every 10th of
    // the rest with a new Size, every object with a new WhenChangedUTC (ignored), in
    // reverse order (matching is by key, not position).
    write_run(&old, "old-run", (0..OBJECTS).map(|i| object(i, 0)));
    write_run(
        &new,
        "new-run",
        (1_000..OBJECTS + 1_000).rev().map(|i| object(i, if i % 10 == 0 { 1 } else { 0 })).map(|mut o| {
            o["WhenChangedUTC"] = "2027-01-01T00:00:00Z".into();
            o
        }),
    );
    let out_path = scratch.path().join("diff.json");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .args(["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--format", "json"])
        .stdout(std::fs::File::create(&out_path).unwrap())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(3));
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    let peak_mb = usage.max_rss() / 1024; // kilobytes on Linux
    let file_mb =
        std::fs::metadata(old.join(format!("items/big/{TENANT}.0.jsonl"))).unwrap().len() / (1024 * 1024);
    assert!(file_mb >= 40, "each items file is {file_mb} MB");
    assert!(peak_mb < 64, "diff peaked at {peak_mb} MB of resident memory for two {file_mb} MB items files");

    let got: serde_json::Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    let step = &got["steps"][0];
    assert_eq!(got["steps"].as_array().unwrap().len(), 1);
    assert_eq!(step["removed"].as_array().unwrap().len(), 1_000);
    assert_eq!(step["added"].as_array().unwrap().len(), 1_000);
    let changed = step["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 9_900, "every 10th of the 99,000 kept objects");
    assert_eq!(
        changed[0],
        serde_json::json!({"key": {"Guid": "00000000-0000-4000-8000-000000001000"},
                           "changes": {"Size": {"old": 10_000, "new": 10_001}}})
    );
    assert_eq!(step["removed"][0]["Guid"], "00000000-0000-4000-8000-000000000000");
    assert_eq!(step["added"][999]["Guid"], "00000000-0000-4000-8000-000000100999");
}
