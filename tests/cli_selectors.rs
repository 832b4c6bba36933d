//! Selectors and plan views through the real binary: `-t` by display name (or a
//! suggestion of `name:`), `-t a,b`, `-t @FILE`, the compact `plan` and `--steps`,
//! `plan --json`, and `run --format jsonl`. User-facing text is snapshotted (insta),
//! with temporary paths and run ids redacted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tenantrun(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(dir)
        .env("TENANTRUN_EMULATOR_SECRET", "emulator-secret")
        .env_remove("TENANTRUN_LOG")
        .args(args)
        .output()
        .expect("run tenantrun")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(o: &Output) -> String {
    format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Snapshot with the temp folder and run ids redacted.
macro_rules! snap {
    ($name:expr, $value:expr, $tmp:expr) => {{
        let tmp = regex_escape(&$tmp.display().to_string());
        insta::with_settings!({
            filters => vec![
                (tmp.as_str(), "[TMP]"),
                (r"\d{8}T\d{6}Z-[0-9a-f]{6}", "[RUN-ID]"),
            ],
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $value);
        });
    }};
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '/' { c.to_string() } else { format!("\\{c}") })
        .collect()
}

#[test]
fn plan_by_default_shows_one_row_per_tenant() {
    let o = tenantrun(&repo(), &["plan", "examples/quickstart.yaml", "-t", "tag:finance"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    snap!("plan_compact", text(&o), repo());
}

#[test]
fn a_display_name_selects_its_tenant() {
    let by_name = tenantrun(&repo(), &["plan", "examples/quickstart.yaml", "-t", "Northwind Traders"]);
    let by_id = tenantrun(&repo(), &["plan", "examples/quickstart.yaml", "-t", "northwind.onmicrosoft.com"]);
    assert_eq!(by_name.status.code(), Some(0), "{}", text(&by_name));
    assert_eq!(by_name.stdout, by_id.stdout);
    assert!(String::from_utf8_lossy(&by_name.stdout).contains("1 tenant of 10, 6 steps"));
    snap!("plan_by_display_name", text(&by_name), repo());
}

#[test]
fn a_near_display_name_suggests_the_name_selector() {
    let o = tenantrun(&repo(), &["plan", "examples/quickstart.yaml", "-t", "Contso", "-t", "Wingtip"]);
    assert_eq!(o.status.code(), Some(2), "a selection that matches no tenant is an error");
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("`-t contso` matches no tenant (hint: did you mean `name:Contoso`?)"), "{err}");
    assert!(
        err.contains("`-t wingtip` matches no tenant (hint: did you mean `name:\"Wingtip*\"`?)"),
        "{err}"
    );
    snap!("plan_name_suggestion", err, repo());
}

#[test]
fn comma_separated_tenants_work_like_repeated_ones() {
    let listed =
        tenantrun(&repo(), &["plan", "examples/quickstart.yaml", "-t", "Contoso,tag:finance,!Adatum"]);
    let repeated = tenantrun(
        &repo(),
        &["plan", "examples/quickstart.yaml", "-t", "Contoso", "-t", "tag:finance", "-t", "!Adatum"],
    );
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    assert_eq!(listed.stdout, repeated.stdout);
    let out = String::from_utf8_lossy(&listed.stdout);
    assert!(out.contains("3 tenants of 10"), "{out}");
    assert!(!out.contains("adatum.onmicrosoft.com"), "{out}");
}

#[test]
fn tenants_from_a_file_one_a_line() {
    let dir = tempfile::tempdir().expect("dir");
    let list = dir.path().join("customers.txt");
    std::fs::write(
        &list,
        "# customers in scope\ncontoso.onmicrosoft.com\n\n  Fabrikam  \n!tag:finance\n# end\n",
    )
    .expect("write");
    let profile = repo().join("examples/quickstart.yaml");
    let profile = profile.to_string_lossy();
    let o = tenantrun(dir.path(), &["plan", &profile, "-t", "@customers.txt", "-c", "labels"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("TENANT                    NAME      ENVIRONMENT"), "{out}");
    assert!(out.contains("\ncontoso.onmicrosoft.com   Contoso "), "{out}");
    assert!(out.contains("\nfabrikam.onmicrosoft.com  Fabrikam "), "{out}");
    assert!(out.contains("2 tenants of 10, 4 steps"), "{out}");

    // A missing file and a bad line are located usage errors (exit 2).
    let missing = tenantrun(dir.path(), &["plan", &profile, "-t", "@nope.txt"]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::write(&list, "contoso.onmicrosoft.com\nname:[z\n").expect("write");
    let bad = tenantrun(dir.path(), &["plan", &profile, "-t", "@customers.txt"]);
    assert_eq!(bad.status.code(), Some(2));
    snap!(
        "tenant_file_errors",
        format!("{}\n{}", String::from_utf8_lossy(&missing.stderr), String::from_utf8_lossy(&bad.stderr)),
        dir.path()
    );
}

#[test]
fn plan_steps_is_the_full_matrix_and_json_flag_is_format_json() {
    let steps = tenantrun(&repo(), &["plan", "examples/quickstart.yaml", "-t", "Contoso", "--steps"]);
    assert_eq!(steps.status.code(), Some(0), "{}", text(&steps));
    snap!("plan_steps", text(&steps), repo());
    let a = tenantrun(&repo(), &["plan", "examples/quickstart.yaml", "--json"]);
    let b = tenantrun(&repo(), &["plan", "examples/quickstart.yaml", "--format", "json"]);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).expect("JSON");
    assert_eq!(v["counts"]["tenants"], 10);
}

#[test]
fn run_format_jsonl_writes_one_file_per_step_with_the_tenant_first() {
    let dir = tempfile::tempdir().expect("dir");
    let profile = repo().join("examples/quickstart.yaml");
    let o = tenantrun(
        dir.path(),
        &[
            "run",
            &profile.to_string_lossy(),
            "-t",
            "Contoso,Fabrikam",
            "-c",
            "labels",
            "--format",
            "jsonl",
            "--progress",
            "none",
            "-o",
            "runs",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let runs: Vec<PathBuf> =
        std::fs::read_dir(dir.path().join("runs")).expect("runs").flatten().map(|e| e.path()).collect();
    assert_eq!(runs.len(), 1);
    let mut files: Vec<String> = std::fs::read_dir(runs[0].join("jsonl"))
        .expect("jsonl/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["labels.0.jsonl", "labels.1.jsonl"]);
    let journal = std::fs::read_to_string(runs[0].join("results.jsonl")).expect("journal");
    let expected: u64 = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("line"))
        .filter(|r| r["step"] == 0)
        .map(|r| r["item_count"].as_u64().expect("count"))
        .sum();
    let text = std::fs::read_to_string(runs[0].join("jsonl/labels.0.jsonl")).expect("labels.0");
    let rows: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("row")).collect();
    assert_eq!(rows.len() as u64, expected);
    assert!(expected > 0);
    assert_eq!(rows[0]["tenant"], "contoso.onmicrosoft.com");
    assert_eq!(rows[rows.len() - 1]["tenant"], "fabrikam.onmicrosoft.com");
    assert!(text.lines().all(|l| l.starts_with("{\"tenant\":")), "{text}");
}

#[test]
fn an_unknown_export_format_names_the_valid_ones() {
    let o = tenantrun(&repo(), &["run", "examples/quickstart.yaml", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    snap!("run_format_unknown", String::from_utf8_lossy(&o.stderr).to_string(), repo());
}
