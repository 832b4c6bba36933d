//! Never report success for nothing (SPEC §2): a selection that matches no tenant,
//! an incomplete set of shards, steps that are NOT GRANTED, and a secret that cannot
//! be read are failures, each reported once. Through the real binary on the emulator.
#![allow(clippy::unwrap_used)]

use crate::run_support;

use run_support::*;
use tenantrun::emulator::EmulatorConfig;

const LISTS: &str = "  labels:\n    - Get-Label\n";

/// `text` with the lab's folder replaced, trailing blanks removed.
fn redact(lab: &Lab, text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text).replace(&lab.dir.path().display().to_string(), "[LAB]");
    text.trim_end().to_string()
}

#[test]
fn a_selection_that_matches_no_tenant_exits_2_and_creates_no_run() {
    let lab = Lab::start(EmulatorConfig::default());
    let p = lab.profile(&tenants(3, "t"), LISTS, "");
    let p = p.to_string_lossy().into_owned();
    std::fs::write(
        &p,
        std::fs::read_to_string(&p)
            .unwrap()
            .replace("  - id: t000.onmicrosoft.com\n", "  - { id: t000.onmicrosoft.com, tags: [emea] }\n"),
    )
    .unwrap();
    let o = lab.run(&["run", &p, "-t", "tag:emae", "-o", "runs"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(o.stdout.is_empty(), "{}", show(&o));
    insta::assert_snapshot!(redact(&lab, &o.stderr), @r"
    warning: `-t tag:emae` matches no tenant (hint: did you mean `tag:emea`?)
    error: the selection matches no tenant (3 tenants in the profile); nothing was contacted
    ");
    assert!(!lab.path("runs").exists(), "no run directory for an empty selection");
    assert_eq!(lab.stats().requests.values().sum::<u64>(), 0, "nothing contacted");
    // An empty shard of a selection that matches tenants is not an error.
    let o = lab.run(&["run", &p, "-t", "tag:emea", "--shard", "2/3", "-o", "runs", "--progress", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
}

#[test]
fn an_unreadable_secret_is_one_located_error_and_zero_requests() {
    let lab = Lab::start(EmulatorConfig::default());
    let p = lab.profile(&tenants(10, "t"), LISTS, "");
    let p = p.to_string_lossy().into_owned();
    let o = lab.cmd().env_remove("EMU_SECRET").args(["run", &p, "-o", "runs"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(o.stdout.is_empty(), "{}", show(&o));
    insta::assert_snapshot!(redact(&lab, &o.stderr), @r"
    error: identity `app`: cannot read the client secret: environment variable `EMU_SECRET` is not set
     ——▶ [LAB]/profile.yaml:9:3
      │
    9 │   app:
      │   ^^^
      = hint: 10 selected tenants sign in as `app` (t000.onmicrosoft.com, t001.onmicrosoft.com, t002.onmicrosoft.com, …); nothing was contacted

    1 problem found
    ");
    assert_eq!(lab.stats().requests.values().sum::<u64>(), 0, "nothing contacted");
    assert!(!lab.path("runs").exists(), "no run directory");
}

#[test]
fn merge_refuses_an_incomplete_set_of_shards_unless_partial() {
    let lab = Lab::start(EmulatorConfig::default());
    let p = lab.profile(&tenants(9, "t"), LISTS, "");
    let p = p.to_string_lossy().into_owned();
    let mut dirs = Vec::new();
    for i in [1, 3] {
        let out = format!("shard-{i}");
        let o = lab.run(&["run", &p, "--shard", &format!("{i}/3"), "-o", &out, "--progress", "none"]);
        assert_eq!(o.status.code(), Some(0), "{}", show(&o));
        let dir = only_run(&lab.path(&out));
        assert_eq!(summary(&dir)["selection"]["shard"], format!("{i}/3"), "the shard is recorded");
        dirs.push(dir.to_string_lossy().into_owned());
    }
    let o = lab.run(&["merge", &dirs[0], &dirs[1], "--out", "merged"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(o.stdout.is_empty(), "{}", show(&o));
    insta::assert_snapshot!(redact(&lab, &o.stderr), @"error: incomplete set of shards: 1 of 3 missing (2/3) (hint: merge every shard's run directory, or pass --partial to merge these anyway)");
    assert!(!lab.path("merged").exists());
    let o = lab.run(&["merge", &dirs[0], &dirs[1], "--out", "merged", "--partial"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(summary(&lab.path("merged"))["missing_shards"], serde_json::json!(["2/3"]));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("partial merge: shards 2/3 are missing"),
        "{}",
        show(&o)
    );
}

#[test]
fn plan_check_exits_1_when_steps_are_not_granted() {
    let lab = Lab::start(EmulatorConfig::default());
    let p = lab.profile(&tenants(2, "t"), "  labels:\n    - Get-Label\n    - Get-Nope\n", "");
    let p = p.to_string_lossy().into_owned();
    let o = lab.run(&["plan", &p, "--check"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    // `Get-Nope` is in no service's cmdlet list either: validate's warning comes first.
    insta::assert_snapshot!(redact(&lab, &o.stderr), @r"
    warning: `Get-Nope` is not a Security & Compliance or Exchange Online cmdlet
      ——▶ [LAB]/profile.yaml:22:7
       │
    22 │     - Get-Nope
       │       ^^^^^^^^
       = hint: check the spelling; a cmdlet newer than this list still runs (`plan --check` asks each tenant which cmdlets it grants)

    error: 2 steps NOT GRANTED in 2 tenants: the identity's role does not export the cmdlet (hint: assign the role, or `run --preflight` skips them)
    ");
    let p2 = lab.profile(&tenants(2, "t"), LISTS, "");
    let o = lab.run(&["plan", &p2.to_string_lossy(), "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
}
