//! `tenantrun plan` through the real binary: the matrix, JSON, shards, the
//! read-only marking and exit 2 for bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

fn tenantrun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .output()
        .expect("run tenantrun")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn table_lists_tenant_by_step_without_contacting_anything() {
    let o = tenantrun(&[
        "plan",
        "examples/quickstart.yaml",
        "-t",
        "tag:finance",
        "-c",
        "labels,exchange",
        "--steps",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "\
TENANT                         ENVIRONMENT  IDENTITY  SERVICE     COMMAND   STEP  CMDLET                  ACCESS
adatum.onmicrosoft.com         emulator     emulator  compliance  labels    0     Get-Label               read
adatum.onmicrosoft.com         emulator     emulator  compliance  labels    1     Get-LabelPolicy         read
adatum.onmicrosoft.com         emulator     emulator  exchange    exchange  0     Get-Mailbox             read
adatum.onmicrosoft.com         emulator     emulator  exchange    exchange  1     Get-OrganizationConfig  read
woodgrovebank.onmicrosoft.com  emulator     emulator  compliance  labels    0     Get-Label               read
woodgrovebank.onmicrosoft.com  emulator     emulator  compliance  labels    1     Get-LabelPolicy         read
woodgrovebank.onmicrosoft.com  emulator     emulator  exchange    exchange  0     Get-Mailbox             read
woodgrovebank.onmicrosoft.com  emulator     emulator  exchange    exchange  1     Get-OrganizationConfig  read
relecloud.onmicrosoft.com      emulator     emulator  compliance  labels    0     Get-Label               read
relecloud.onmicrosoft.com      emulator     emulator  compliance  labels    1     Get-LabelPolicy         read
relecloud.onmicrosoft.com      emulator     emulator  exchange    exchange  0     Get-Mailbox             read
relecloud.onmicrosoft.com      emulator     emulator  exchange    exchange  1     Get-OrganizationConfig  read

3 tenants of 10, 12 steps
"
    );
}

#[test]
fn json_with_tag_and_shard_is_the_done_check() {
    let mut union = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let o = tenantrun(&[
            "plan",
            "examples/quickstart.yaml",
            "-t",
            "tag:emea",
            "--shard",
            &shard,
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
        assert_eq!(v["selection"]["shard"], shard.as_str());
        assert_eq!(v["selection"]["tenants"], serde_json::json!(["tag:emea"]));
        for t in v["tenants"].as_array().expect("tenants") {
            assert!(t["tags"].as_array().expect("tags").contains(&"emea".into()));
            assert_eq!(t["steps"].as_array().expect("steps").len(), 6);
            assert_eq!(t["steps"][0]["cmdlet"], "Get-Label");
            assert_eq!(t["steps"][0]["access"], "read");
            union.push(t["tenant"].as_str().expect("id").to_string());
        }
    }
    union.sort();
    assert_eq!(
        union,
        [
            "contoso.onmicrosoft.com",
            "northwind.onmicrosoft.com",
            "wingtiptoys.onmicrosoft.com",
            "woodgrovebank.onmicrosoft.com"
        ]
    );
}

#[test]
fn write_steps_are_marked_refused_unless_allow_write() {
    let o = tenantrun(&["plan", "profiles/device-code/", "-c", "publish", "--steps"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Set-LabelPolicy  write, refused (read_only)"), "{out}");
    assert!(out.ends_with("1 tenant of 1, 1 step; 1 refused by read_only (use --allow-write)\n"), "{out}");
    let o =
        tenantrun(&["plan", "profiles/device-code/", "-c", "publish", "--allow-write", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["tenants"][0]["steps"][0]["access"], "write");
    assert_eq!(v["tenants"][0]["steps"][0]["refused"], false);
    assert_eq!(v["counts"]["refused"], 0);
}

#[test]
fn bad_input_exits_2() {
    for args in [
        &["plan", "examples/quickstart.yaml", "--shard", "4/3"][..],
        &["plan", "examples/quickstart.yaml", "-c", "nope"],
        &["plan", "examples/quickstart.yaml", "-t", "name:[z"],
        &["plan", "tests/fixtures/invalid/undefined-references.yaml"],
    ] {
        let o = tenantrun(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(!stderr(&o).is_empty(), "{args:?}");
    }
}

#[test]
fn a_folder_of_profile_folders_is_not_one_profile() {
    let o = tenantrun(&["plan", "profiles/"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("hint: it holds profile folders; pass one of them, e.g. profiles/app-only-certificate"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn steps_without_a_front_door_are_marked_unavailable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("eop.yaml");
    std::fs::write(
        &path,
        "version: 1\nidentities: {a: {kind: managed_identity}}\ndefaults: {identity: a, environment: eop}\n\
tenants: [{id: a.onmicrosoft.com}]\ncommands:\n  x: [Get-HostedContentFilterPolicy, {cmdlet: Get-Mailbox, service: exchange}]\n",
    )
    .expect("write");
    let path = path.to_string_lossy().into_owned();
    let o = tenantrun(&["plan", &path, "--steps"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Get-Mailbox                    read, unavailable (eop has no exchange front door)"),
        "{out}"
    );
    assert!(out.ends_with("1 step cannot run: the environment has no front door for the service\n"), "{out}");
    let o = tenantrun(&["plan", &path, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["tenants"][0]["steps"][0]["unavailable"], serde_json::Value::Null);
    assert_eq!(v["tenants"][0]["steps"][1]["unavailable"], "eop has no exchange front door");
}

#[test]
fn selectors_that_match_nothing_are_warned_about() {
    let o =
        tenantrun(&["plan", "examples/quickstart.yaml", "-t", "tag:emae", "-t", "contoso.onmicrosoft.co"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    assert_eq!(
        stderr(&o),
        "warning: `-t tag:emae` matches no tenant (hint: did you mean `tag:emea`?)\n\
         warning: `-t contoso.onmicrosoft.co` matches no tenant (hint: did you mean `contoso.onmicrosoft.com`?)\n\
         error: the selection matches no tenant (10 tenants in the profile); nothing was contacted\n"
    );
}

#[test]
fn check_asks_each_tenant_through_the_emulator() {
    let o = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .args(["plan", "examples/quickstart.yaml", "--check", "-t", "tag:finance", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["counts"]["not_granted"], 0);
    for t in v["tenants"].as_array().expect("tenants") {
        assert_eq!(t.get("check_error"), None);
        for s in t["steps"].as_array().expect("steps") {
            assert_eq!(s["granted"], true, "{s}");
        }
    }
    // Without the secret nothing can be checked: one located error, exit 2, nothing contacted.
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = dir.path().join("p.yaml");
    std::fs::write(
        &profile,
        "version: 1\nidentities:\n  app:\n    kind: client_secret\n    \
         client_id: 00000000-0000-4000-8000-00000000e001\n    client_secret: { env: TENANTRUN_EMULATOR_SECRET }\n\
         defaults: { environment: emulator, identity: app }\ntenants: [{ id: litware.onmicrosoft.com }]\n\
         commands: { labels: [Get-Label] }\n",
    )
    .expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .env_remove("TENANTRUN_EMULATOR_SECRET")
        .args(["plan", &profile.to_string_lossy(), "--check", "--steps"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    assert!(
        stderr(&o).starts_with(
            "error: identity `app`: cannot read the client secret: environment variable \
             `TENANTRUN_EMULATOR_SECRET` is not set\n"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    for args in [
        &["plan", "examples/quickstart.yaml"][..],
        &["plan", "examples/quickstart.yaml", "--format", "json"],
        &["schema"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tenantrun"))
            .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take()); // the reader goes away before anything is written
        let status = child.wait().expect("wait");
        let mut err = String::new();
        child.stderr.take().expect("stderr").read_to_string(&mut err).expect("read");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
}
