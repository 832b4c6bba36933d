//! `tenantrun validate` argument semantics: each argument on its own, folders of
//! profile folders, `--merge`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn tenantrun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .output()
        .expect("run tenantrun")
}

#[test]
fn each_argument_is_its_own_profile() {
    let o = tenantrun(&[
        "validate",
        "tests/fixtures/equivalent/profile.yaml",
        "tests/fixtures/equivalent/profile.toml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "ok: tests/fixtures/equivalent/profile.yaml (1 file, 2 tenants, 3 identities, 2 command lists)\n\
         ok: tests/fixtures/equivalent/profile.toml (1 file, 2 tenants, 3 identities, 2 command lists)\n"
    );
}

#[test]
fn merge_checks_all_arguments_as_one_profile() {
    let o = tenantrun(&[
        "validate",
        "--merge",
        "tests/fixtures/equivalent/profile.yaml",
        "tests/fixtures/equivalent/profile.toml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error: identity `automation` is defined twice\n  ——▶ tests/fixtures/equivalent/profile.toml:10:13\n"), "{err}");
    assert!(
        err.contains("note: first defined here\n  ——▶ tests/fixtures/equivalent/profile.yaml:10:3\n"),
        "{err}"
    );
    assert!(err.ends_with("problems found\n"), "{err}");
}

#[test]
fn problems_in_one_argument_do_not_hide_the_others() {
    let o = tenantrun(&[
        "validate",
        "tests/fixtures/invalid/no-identity.yaml",
        "examples/",
        "tests/fixtures/invalid/empty.yaml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "ok: examples/ (2 files, 10 tenants, 1 identity, 4 command lists)\n"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no-identity.yaml:3:9") && err.contains("empty.yaml:1:1"), "{err}");
    assert!(err.ends_with("2 problems found\n"), "{err}");
}

#[test]
fn a_missing_file_is_reported() {
    let o = tenantrun(&["validate", "does-not-exist.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("error: cannot read profile: No such file or directory"), "{err}");
}

#[test]
fn json_report_lists_every_problem_with_its_place() {
    let o = tenantrun(&[
        "validate",
        "--format",
        "json",
        "tests/fixtures/invalid/inline-secrets.yaml",
        "examples/",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["ok"], false);
    assert_eq!(v["profiles"][1]["profile"], "examples/");
    assert_eq!(v["profiles"][1]["ok"], true);
    let problems = v["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 4);
    assert_eq!(problems[0]["file"], "tests/fixtures/invalid/inline-secrets.yaml");
    assert_eq!((problems[0]["line"].as_u64(), problems[0]["column"].as_u64()), (Some(6), Some(20)));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("CANARY"), "a secret leaked");
}

#[test]
fn github_format_annotates_the_pull_request() {
    let o = tenantrun(&["validate", "--format", "github", "tests/fixtures/invalid/duplicates"]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    let first = out.lines().next().expect("a line");
    assert_eq!(
        first,
        "::error file=tests/fixtures/invalid/duplicates/customer.toml,line=3,col=13::identity `automation` is defined twice\
         %0Afirst defined here: tests/fixtures/invalid/duplicates/base.yaml:3:3\
         %0Ahint: names must be unique across all merged files; remove or rename one identity"
    );
    assert_eq!(out.lines().count(), 4);
}
