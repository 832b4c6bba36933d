//! Every integration test in one binary: one link instead of one per file, which keeps
//! CI's target folder small. Each file under `tests/` is a module here; the shared
//! harnesses (`*_support`, `fixture_server`, `hostile`) are declared once. The two tests
//! that read their children's peak memory from `getrusage(RUSAGE_CHILDREN)` stay binaries
//! of their own (`hostile_memory`, `diff_bounded`), because that figure covers every child
//! the process has waited for.

mod auth_support;
mod discovery_support;
mod emulator_support;
mod fixture_server;
mod hostile;
mod report_support;
mod run_support;

mod adminapi_errors;
mod adminapi_errors_terminal;
mod auth_canary;
mod auth_edges;
mod auth_emulator;
mod auth_login;
mod auth_oidc;
mod cli_help;
mod cli_selectors;
mod diff_runs;
mod discovery_hostile;
mod discovery_run;
mod discovery_tenants;
mod emulator_adminapi;
mod emulator_connection_cap;
mod emulator_entra;
mod emulator_faults;
mod emulator_hardening;
mod emulator_msal;
mod emulator_server;
mod emulator_tokens;
mod expect_run;
mod expect_validate;
mod export_csv_injection;
mod hostile_bodies;
mod hostile_messages;
mod hostile_numbers;
mod hostile_paging;
mod hostile_region;
mod hostile_secrets;
mod login_csp_gdap;
mod profile_fixtures;
mod profile_load;
mod profile_plan;
mod profile_schema;
mod profile_shards;
mod profile_validate;
mod report_browser;
mod report_formats;
mod report_xlsx;
mod run_adaptive;
mod run_admin_retries;
mod run_builtin_emulator_faults;
mod run_e2e;
mod run_no_false_success;
mod run_order;
mod run_profile_copy;
mod run_quickstart;
mod run_resume;
mod run_shards;
mod run_summary;
mod run_terminal;
mod security_run_dir;
mod validate_hints;

/// With `autotests = false` a test file that is neither a module here nor a `[[test]]` of
/// its own would never be compiled, so its tests could not fail: name every one.
#[test]
fn every_test_file_is_compiled() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let (modules, manifest) = (read("tests/integration.rs"), read("Cargo.toml"));
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("tests")).unwrap_or_else(|e| panic!("tests/: {e}")) {
        let path = entry.unwrap_or_else(|e| panic!("tests/: {e}")).path();
        let Some(stem) =
            path.file_stem().and_then(|s| s.to_str()).filter(|_| path.extension().is_some_and(|e| e == "rs"))
        else {
            continue;
        };
        let listed = stem == "integration"
            || modules.lines().any(|l| l == format!("mod {stem};"))
            || manifest.lines().any(|l| l == format!("path = \"tests/{stem}.rs\""));
        if !listed {
            missing.push(stem.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "tests/{{{}}}.rs: add `mod NAME;` to tests/integration.rs",
        missing.join(",")
    );
}
