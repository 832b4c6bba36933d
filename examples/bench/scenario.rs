//! Generated profiles for the benchmark: N synthetic tenants against an emulator URL.

use std::fmt::Write as _;
use std::path::Path;

/// The emulator's well-known app-only client (README, "The emulator").
pub const CLIENT_ID: &str = "00000000-0000-4000-8000-00000000e001";
/// The environment variable the generated profiles read the client secret from.
pub const SECRET_ENV: &str = "TENANTRUN_BENCH_SECRET";
/// The emulator's well-known client secret.
pub const SECRET: &str = "emulator-secret";
/// The three steps every benchmark tenant runs (M = 3).
pub const STEPS: [&str; 3] = ["Get-Label", "Get-LabelPolicy", "Get-RetentionCompliancePolicy"];

/// The id of benchmark tenant `i`.
pub fn tenant_id(i: usize) -> String {
    format!("bench-{i:05}.onmicrosoft.com")
}

/// Everything but the tenants: environment, identity, defaults, the command list.
pub fn base_yaml(base_url: &str, concurrency: usize, steps: &[&str]) -> String {
    let base = base_url.trim_end_matches('/');
    let mut y = String::new();
    let _ = write!(
        y,
        "version: 1\n\
         environments:\n  bench:\n    authority: {base}/login\n    compliance: {base}/compliance\n    \
         compliance_region: \"{base}/region/{{region}}\"\n    exchange: {base}/exchange\n\
         identities:\n  app:\n    kind: client_secret\n    client_id: {CLIENT_ID}\n    \
         client_secret: {{ env: {SECRET_ENV} }}\n\
         defaults:\n  environment: bench\n  identity: app\n  concurrency: {concurrency}\n  timeout: 120s\n  retries: 20\n\
         commands:\n  bench:\n"
    );
    for step in steps {
        let _ = writeln!(y, "    - {step}");
    }
    y
}

/// One file holding the base and `n` tenants.
pub fn write_single_file(
    path: &Path,
    base_url: &str,
    n: usize,
    concurrency: usize,
    steps: &[&str],
) -> std::io::Result<()> {
    let mut y = base_yaml(base_url, concurrency, steps);
    y.push_str("tenants:\n");
    for i in 1..=n {
        let _ = writeln!(
            y,
            "  - id: {}\n    name: Bench {i:05}\n    tags: [bench, {}, {}]",
            tenant_id(i),
            if i % 2 == 0 { "even" } else { "odd" },
            if i % 3 == 0 { "emea" } else { "amer" }
        );
    }
    std::fs::write(path, y)
}

/// A GitOps folder: `base.yaml` plus one file per customer.
pub fn write_folder(dir: &Path, base_url: &str, n: usize, concurrency: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("base.yaml"), base_yaml(base_url, concurrency, &STEPS))?;
    for i in 1..=n {
        let body = format!(
            "version: 1\ntenants:\n  - id: {}\n    name: Customer {i:05}\n    tags: [gitops, {}]\n",
            tenant_id(i),
            if i % 3 == 0 { "emea" } else { "amer" }
        );
        std::fs::write(dir.join(format!("customer-{i:05}.yaml")), body)?;
    }
    Ok(())
}
