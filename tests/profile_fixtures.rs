//! Every broken profile in `tests/fixtures/invalid/` makes `tenantrun validate`
//! exit 2 and print exactly the diagnostics in the `.stderr` file next to it.
//!
//! Bless new or changed snapshots with `TENANTRUN_BLESS=1 cargo test --test integration profile_fixtures`
//! and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid")
}

/// Each fixture (a profile file or a folder) and its snapshot path.
fn fixtures() -> Vec<(String, PathBuf)> {
    let dir = fixtures_dir();
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e != "stderr"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let snapshot = dir.join(format!("{name}.stderr"));
            (name, snapshot)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_invalid_fixture_exits_2_with_its_snapshot() {
    let bless = std::env::var_os("TENANTRUN_BLESS").is_some();
    let mut failures = Vec::new();
    let all = fixtures();
    assert!(all.len() >= 20, "expected a corpus of fixtures, found {}", all.len());
    for (name, snapshot) in all {
        // How fast a hostile fixture is refused is the benchmark's figure (alias_bomb), not a test's.
        let out = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
            .current_dir(fixtures_dir())
            .args(["validate", &name])
            .output()
            .expect("run tenantrun");
        let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
        assert_eq!(out.status.code(), Some(2), "{name}: exit code\n{stderr}");
        assert!(out.stdout.is_empty(), "{name}: stdout must be empty");
        assert!(!stderr.contains("CANARY"), "{name}: a secret leaked into the report:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: panic\n{stderr}");
        if bless {
            std::fs::write(&snapshot, &stderr).expect("write snapshot");
            continue;
        }
        match std::fs::read_to_string(&snapshot) {
            Ok(expected) if expected == stderr => {}
            Ok(expected) => failures
                .push(format!("{name}: stderr differs\n--- expected\n{expected}\n--- actual\n{stderr}")),
            Err(_) => failures.push(format!("{name}: no snapshot {}; actual:\n{stderr}", snapshot.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
