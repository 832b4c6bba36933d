//! Loading profiles: YAML and TOML give the same model, folders merge, secrets
//! stay references, and no input (truncated, binary, empty, deeply nested,
//! huge, alias bombs) makes the loader panic or run away.

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tenantrun::profile::{self, IdentityKind, SecretRef, Service};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn yaml_and_toml_load_to_the_same_model() {
    let y = profile::load(&[fixture("equivalent/profile.yaml")]).expect("yaml loads");
    let t = profile::load(&[fixture("equivalent/profile.toml")]).expect("toml loads");
    assert_eq!(y.environments, t.environments);
    assert_eq!(y.identities, t.identities);
    assert_eq!(y.defaults, t.defaults);
    assert_eq!(y.tenants, t.tenants);
    assert_eq!(y.commands, t.commands);
    // And the model is what the file says.
    assert_eq!(y.defaults.timeout, Duration::from_secs(90));
    assert_eq!(y.defaults.service, Service::Exchange);
    assert!(!y.defaults.read_only);
    assert_eq!(y.tenants[0].id, "contoso.onmicrosoft.com");
    assert_eq!(y.tenants[0].identity, "automation");
    assert_eq!(y.tenants[0].environment, "lab");
    assert_eq!(y.tenants[1].environment, "gcc-high");
    assert!(y.tenants[0].bypass_mailbox_anchoring && !y.tenants[1].bypass_mailbox_anchoring);
    assert_eq!(y.tenants[1].anchor_mailbox.as_deref(), Some("UPN:ops@fabrikam.us"));
    let names: Vec<&str> = y.commands.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["zeta", "alpha"], "command lists keep file order");
    assert_eq!(y.commands[1].steps[0].service, Service::Exchange);
    assert_eq!(y.commands[1].steps[1].service, Service::Compliance);
    assert_eq!(
        serde_json::Value::Object(y.commands[1].steps[0].parameters.clone()),
        serde_json::json!({"ResultSize": "Unlimited", "Count": 5, "Ratio": 0.5, "Flag": true, "List": ["a", "b"], "Nested": {"K": "v"}})
    );
    let lab = &y.environments["lab"];
    assert_eq!(lab.compliance.as_ref().map(|u| u.as_str()), Some("http://127.0.0.1:8400/"));
    assert_eq!(lab.authority.as_str(), "http://127.0.0.1:8400/login/");
    match &y.identities["automation"].kind {
        IdentityKind::Certificate { client_id, certificate } => {
            assert_eq!(client_id, "3b9a7c44-0000-4000-8000-000000000001");
            assert_eq!(certificate.path, fixture("equivalent/certs/app.pem"));
            assert_eq!(certificate.password, Some(SecretRef::Env("PFX_PASSWORD".into())));
        }
        other => panic!("{other:?}"),
    }
    match &y.identities["partner"].kind {
        IdentityKind::RefreshToken { client_id, refresh_token, .. } => {
            assert_eq!(client_id, profile::EXO_POWERSHELL_CLIENT_ID);
            // Relative secret files resolve against the profile's folder, and are not read now.
            assert_eq!(refresh_token, &SecretRef::File(fixture("equivalent/secrets/partner.rt")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_folder_merges_its_files_not_subfolders_or_hidden_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "00-base.yaml", b"version: 1\nidentities:\n  a: { kind: managed_identity }\ndefaults: { identity: a }\ncommands:\n  l: [Get-Label]\n");
    write(dir.path(), "b.toml", b"version = 1\n[[tenants]]\nid = \"b.onmicrosoft.com\"\n");
    write(dir.path(), "c.yml", b"version: 1\ntenants:\n  - id: c.onmicrosoft.com\n");
    write(dir.path(), ".hidden.yaml", b"not: [valid");
    write(dir.path(), "notes.txt", b"ignored");
    std::fs::create_dir(dir.path().join("k8s")).expect("mkdir");
    write(&dir.path().join("k8s"), "job.yaml", b"apiVersion: batch/v1\nkind: Job\n");
    let p = profile::load(&[dir.path().to_path_buf()]).expect("loads");
    let ids: Vec<&str> = p.tenants.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["b.onmicrosoft.com", "c.onmicrosoft.com"]);
    assert_eq!(p.sources.len(), 3);
    assert!(p.digest.starts_with("sha256:"));
}

#[test]
fn load_error_is_structured_and_displayed_in_full() {
    let err = profile::load(&[fixture("invalid/undefined-references.yaml")]).expect_err("invalid");
    assert_eq!(err.diagnostics.len(), 4);
    let d = &err.diagnostics[0];
    assert_eq!(d.message, "unknown identity `automaton`");
    assert_eq!(d.location.pos.map(|p| (p.line, p.col)), Some((8, 13)));
    assert_eq!(d.hint.as_deref(), Some("did you mean `automation`?"));
    let report = err.to_string();
    assert!(report.contains("undefined-references.yaml:8:13"), "{report}");
    assert!(report.ends_with("4 problems found"), "{report}");
}

#[test]
fn anchors_and_merge_keys_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = b"version: 1\nidentities:\n  a: { kind: managed_identity }\ndefaults: { identity: a }\n\
tenants:\n  - &t { id: a.onmicrosoft.com, tags: &tags [emea, retail] }\n  - { <<: *t, id: b.onmicrosoft.com }\n  - { id: c.onmicrosoft.com, tags: *tags }\n\
commands:\n  l: [Get-Label]\n";
    let p = profile::load(&[write(dir.path(), "p.yaml", text)]).expect("loads");
    assert_eq!(p.tenants.len(), 3);
    assert_eq!(p.tenants[1].id, "b.onmicrosoft.com");
    assert_eq!(p.tenants[1].tags, ["emea", "retail"]);
    assert_eq!(p.tenants[2].tags, ["emea", "retail"]);
}

#[test]
fn alias_bomb_is_refused_before_expanding() {
    // Its cost (CPU, memory) is measured by the benchmark (`bench --only alias-bomb`), not here.
    let path = fixture("invalid/alias-bomb.yaml");
    let err = profile::load(std::slice::from_ref(&path)).expect_err("refused");
    assert_eq!(err.diagnostics.len(), 1, "{err}");
    let d = &err.diagnostics[0];
    assert_eq!(
        d.message,
        "invalid YAML: anchors and aliases expand beyond the limit (an alias bomb?); refusing to expand them"
    );
    assert_eq!(d.place(), format!("{}:6:20", path.display()));
}

#[test]
fn a_50_mb_file_is_refused_for_its_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = b"  - id: tenant-with-a-long-name.onmicrosoft.com\n";
    let mut text = b"version: 1\ntenants:\n".to_vec();
    while text.len() < 50 * 1024 * 1024 {
        text.extend_from_slice(line);
    }
    let path = write(dir.path(), "huge.yaml", &text);
    let err = profile::load(&[path]).expect_err("refused");
    assert_eq!(
        only_problem(dir.path(), &err),
        ("huge.yaml".to_string(), "profile file is 50 MiB; the limit is 16 MiB".to_string()),
        "{err}"
    );
    assert_eq!(
        err.diagnostics[0].hint.as_deref(),
        Some("split it into several files in one folder; a folder is merged")
    );
}

/// The one problem of a refused file: where (`NAME:LINE:COL`, relative to `dir`) and what.
fn only_problem(dir: &Path, err: &profile::LoadError) -> (String, String) {
    assert_eq!(err.diagnostics.len(), 1, "{err}");
    let d = &err.diagnostics[0];
    let place = d.place();
    let prefix = format!("{}/", dir.display());
    (place.strip_prefix(&prefix).unwrap_or(&place).to_string(), d.message.clone())
}

/// A failed load names the file it read and, when it gives a position, one inside the file.
fn assert_located_in(path: &Path, text: &[u8], err: &profile::LoadError) {
    let lines = text.split(|b| *b == b'\n').count();
    assert!(!err.diagnostics.is_empty(), "an error without a problem: {err}");
    for d in &err.diagnostics {
        assert_eq!(d.location.file, path, "{err}");
        if let Some(pos) = d.location.pos {
            assert!(
                pos.line >= 1 && pos.line() <= lines && pos.col >= 1,
                "{} of {lines} lines: {err}",
                d.place()
            );
        }
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text, place, message) in [
        (
            "deep.yaml",
            format!("version: 1\ntenants: {}{}\n", "[".repeat(200_000), "]".repeat(200_000)),
            "deep.yaml:2:265",
            "invalid YAML: recursion limit exceeded",
        ),
        (
            "deep-block.yaml",
            (0..2000).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect(),
            "deep-block.yaml:65:129",
            "invalid YAML: nesting is deeper than 64 levels",
        ),
        (
            "deep.toml",
            format!("version = 1\nx = {}{}\n", "[".repeat(200_000), "]".repeat(200_000)),
            "deep.toml:2:85",
            "invalid TOML: cannot recurse further; max recursion depth met",
        ),
        (
            "deep-table.toml",
            format!("version = 1\nx = {}1{}\n", "{a=".repeat(5_000), "}".repeat(5_000)),
            "deep-table.toml:2:245",
            "invalid TOML: cannot recurse further; max recursion depth met",
        ),
    ] {
        let err = profile::load(&[write(dir.path(), name, text.as_bytes())]).expect_err(name);
        assert_eq!(only_problem(dir.path(), &err), (place.to_string(), message.to_string()), "{err}");
    }
}

#[test]
fn empty_binary_and_truncated_inputs_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes, place, message) in [
        ("empty.yaml", b"".to_vec(), "empty.yaml:1:1", "the profile is empty"),
        ("empty.toml", b"".to_vec(), "empty.toml:1:1", "the profile has no `version`"),
        ("nul.yaml", b"\0\0\0".to_vec(), "nul.yaml:1:1", "invalid YAML: unexpected character: `\\u{0}'"),
        ("binary.toml", (0..=255u8).collect(), "binary.toml:2:118", "the file is not UTF-8 text"),
        ("crlf.yaml", b"version: 2\r\n".to_vec(), "crlf.yaml:1:10", "unsupported profile version 2"),
    ] {
        let err = profile::load(&[write(dir.path(), name, &bytes)]).expect_err(name);
        assert_eq!(only_problem(dir.path(), &err), (place.to_string(), message.to_string()), "{err}");
    }
}

/// Every prefix of real profiles loads or fails cleanly.
#[test]
fn every_truncation_of_shipped_profiles_is_handled() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (src, name) in [
        (Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.yaml"), "t.yaml"),
        (fixture("equivalent/profile.toml"), "t.toml"),
    ] {
        let text = std::fs::read_to_string(&src).expect("read");
        let path = dir.path().join(name);
        let mut refused = 0;
        for (cut, _) in text.char_indices().step_by(7) {
            std::fs::write(&path, &text[..cut]).expect("write");
            if let Err(err) = profile::load(std::slice::from_ref(&path)) {
                assert_located_in(&path, &text.as_bytes()[..cut], &err);
                refused += 1;
            }
        }
        assert!(refused > 0, "{name}: some truncations are refused");
        std::fs::write(&path, &text).expect("write");
        profile::load(std::slice::from_ref(&path))
            .unwrap_or_else(|e| panic!("{name}: the whole file loads: {e}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), toml in any::<bool>()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), if toml { "p.toml" } else { "p.yaml" }, &bytes);
        if let Err(err) = profile::load(std::slice::from_ref(&path)) {
            assert_located_in(&path, &bytes, &err);
        }
    }

    #[test]
    fn arbitrary_profile_like_text_never_panics(text in "(version|tenants|id|kind|commands|- |: |\\[|\\]|\\{|\\}|&a |\\*a|<<|\"|'|\n|  |=|#|[a-z0-9.@-]{1,8}){0,60}", toml in any::<bool>()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), if toml { "p.toml" } else { "p.yaml" }, text.as_bytes());
        if let Err(err) = profile::load(std::slice::from_ref(&path)) {
            assert_located_in(&path, text.as_bytes(), &err);
        }
    }
}

#[test]
fn digest_depends_on_names_and_contents_not_on_the_checkout_path() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read(fixture("equivalent/profile.yaml")).expect("read");
    let pa = profile::load(&[write(a.path(), "p.yaml", &text)]).expect("loads");
    let pb = profile::load(&[write(b.path(), "p.yaml", &text)]).expect("loads");
    assert_eq!(pa.digest, pb.digest);
    let mut changed = text.clone();
    changed.extend_from_slice(b"# a comment\n");
    let pc = profile::load(&[write(b.path(), "p.yaml", &changed)]).expect("loads");
    assert_ne!(pa.digest, pc.digest);
}
