//! `--shard I/N` as N processes plus `tenantrun merge` equal a single run.

use crate::run_support;

use run_support::*;
use std::process::Stdio;
use tenantrun::emulator::EmulatorConfig;

#[test]
fn four_shards_as_four_processes_merged_equal_a_single_run() {
    let lab = Lab::start(EmulatorConfig { seed: 11, ..EmulatorConfig::default() });
    let ids = tenants(24, "s");
    let lists =
        "  labels:\n    - Get-Label\n    - cmdlet: Get-LabelPolicy\n      select: [Name, Enabled]\n  \
                 mail:\n    - cmdlet: Get-AcceptedDomain\n      service: exchange\n";
    let profile = lab.profile(&ids, lists, "  concurrency: 8\n");
    let p = profile.to_str().unwrap();

    let single = lab.run(&["run", p, "-o", "single", "--progress", "none", "--format", "csv"]);
    assert_eq!(single.status.code(), Some(0), "{}", show(&single));
    let single = only_run(&lab.path("single"));

    let children: Vec<_> = (1..=4)
        .map(|i| {
            let shard = format!("{i}/4");
            let out = format!("shard-{i}");
            lab.cmd()
                .args(["run", p, "--shard", &shard, "-o", &out, "--progress", "none", "--format", "csv"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut shard_dirs = Vec::new();
    let mut tenants_seen = 0;
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        let dir = only_run(&lab.path(&format!("shard-{}", i + 1)));
        let n = summary(&dir)["tenants"].as_object().unwrap().len();
        assert!(n > 0 && n < 24, "shard {} has {n} tenants", i + 1);
        tenants_seen += n;
        shard_dirs.push(dir);
    }
    assert_eq!(tenants_seen, 24, "the shards partition the tenants");

    let mut args = vec!["merge".to_string()];
    args.extend(shard_dirs.iter().map(|d| d.to_string_lossy().into_owned()));
    args.extend(["--out".to_string(), "merged".to_string()]);
    let out = lab.cmd().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let merged = lab.path("merged");

    assert_eq!(fingerprint(&merged), fingerprint(&single));
    let (a, b) = (summary(&merged), summary(&single));
    assert_eq!(a["counts"], b["counts"]);
    let statuses = |s: &serde_json::Value| {
        s["tenants"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v["status"].clone(), v["items"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(statuses(&a), statuses(&b));
    assert_eq!(a["merged_from"].as_array().unwrap().len(), 4);
    assert_eq!(a["selection"]["shard"], serde_json::Value::Null);
    // CSV regenerated over all tenants: same rows as the single run (ordered by tenant).
    for name in ["labels.0.csv", "labels.1.csv", "mail.0.csv"] {
        let m = std::fs::read_to_string(merged.join("csv").join(name)).unwrap();
        let s = std::fs::read_to_string(single.join("csv").join(name)).unwrap();
        assert_eq!(m, s, "{name}");
    }
    // Merging into a directory that already holds a run is refused.
    let out = lab.cmd().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    lab.assert_no_violations();
}
