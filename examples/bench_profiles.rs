//! Benchmark: generate a GitOps folder of 10,000 tenants (a shared base plus one
//! file per customer) and a single 10,000-tenant file, then time
//! `tenantrun validate` and `tenantrun plan --format json` through the real binary.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_profiles
//! cargo run --release --example bench_profiles -- 50000   # another tenant count
//! ```
//! The binary is the `tenantrun` next to this example (same profile), or `$TENANTRUN_BIN`.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BASE: &str = "version: 1
identities:
  automation:
    kind: certificate
    client_id: 3b9a7c44-0000-4000-8000-000000000001
    certificate: { path: certs/automation.pfx, password: { env: PFX_PASSWORD } }
  partner:
    kind: refresh_token
    refresh_token: { env: PARTNER_RT }
defaults:
  identity: automation
  environment: commercial
  timeout: 2m
commands:
  labels:
    - Get-Label
    - cmdlet: Get-LabelPolicy
      select: [Name, Labels]
  retention:
    - cmdlet: Get-RetentionCompliancePolicy
      parameters: { DistributionDetail: true }
";

fn tenant_yaml(i: usize) -> String {
    let tag = ["emea", "us", "apac"][i % 3];
    let identity = if i.is_multiple_of(10) { "\n    identity: partner" } else { "" };
    format!("  - id: customer{i:05}.onmicrosoft.com\n    name: Customer {i}\n    tags: [{tag}, tier{}]{identity}\n", i % 4)
}

fn binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("TENANTRUN_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/examples/bench_profiles -> target/<profile>/tenantrun
    let dir = exe.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    dir.join(format!("tenantrun{}", std::env::consts::EXE_SUFFIX))
}

fn time(bin: &Path, args: &[&str]) -> (Duration, usize) {
    let mut runs = Vec::new();
    let mut bytes = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let out =
            Command::new(bin).args(args).output().unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
        runs.push(started.elapsed());
        assert!(out.status.success(), "{args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        bytes = out.stdout.len();
    }
    runs.sort();
    (runs[1], bytes)
}

fn main() {
    let count: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let bin = binary();
    assert!(
        bin.exists(),
        "build the binary first (cargo build --release), or set TENANTRUN_BIN; looked for {}",
        bin.display()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("gitops");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::write(folder.join("00-base.yaml"), BASE).expect("write base");
    for i in 0..count {
        let text = format!("version: 1\ntenants:\n{}", tenant_yaml(i));
        std::fs::write(folder.join(format!("customer{i:05}.yaml")), text).expect("write customer");
    }
    let single = dir.path().join("single.yaml");
    let mut text = format!("{BASE}tenants:\n");
    for i in 0..count {
        text.push_str(&tenant_yaml(i));
    }
    std::fs::write(&single, text).expect("write single");

    let folder_arg = folder.to_string_lossy().into_owned();
    let single_arg = single.to_string_lossy().into_owned();
    println!("tenantrun profile benchmark: {count} tenants, binary {}", bin.display());
    println!("median of 3 runs, wall clock, including process start\n");
    for (label, arg) in
        [(format!("folder of {} files", count + 1), &folder_arg), ("single file".to_string(), &single_arg)]
    {
        let (v, _) = time(&bin, &["validate", arg]);
        let (p, bytes) = time(&bin, &["plan", arg, "--format", "json"]);
        let (s, _) = time(&bin, &["plan", arg, "-t", "tag:emea", "--shard", "2/3"]);
        println!("{label:<24} validate {:>7.1} ms   plan --format json {:>7.1} ms ({} KiB)   plan -t tag:emea --shard 2/3 {:>7.1} ms",
            v.as_secs_f64() * 1e3, p.as_secs_f64() * 1e3, bytes / 1024, s.as_secs_f64() * 1e3);
    }
}
