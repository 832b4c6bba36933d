//! Helpers for the runner's integration tests: an emulator started in-process on a
//! free loopback port, a profile pointing a declared environment at it, and the real
//! `tenantrun` binary spawned against it.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tenantrun::emulator::{Emulator, EmulatorConfig, EmulatorHandle, Stats};

/// The emulator's well-known app-only registration.
pub const CLIENT_ID: &str = "00000000-0000-4000-8000-00000000e001";
pub const CLIENT_SECRET: &str = "emulator-secret";

/// An emulator plus a scratch folder for profiles and runs.
pub struct Lab {
    pub rt: tokio::runtime::Runtime,
    pub emulator: Option<EmulatorHandle>,
    pub dir: tempfile::TempDir,
    pub base: String,
}

impl Lab {
    pub fn start(config: EmulatorConfig) -> Lab {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let emulator = rt.block_on(Emulator::start(config)).expect("emulator starts");
        let base = emulator.base_url().as_str().trim_end_matches('/').to_string();
        Lab { rt, emulator: Some(emulator), dir: tempfile::tempdir().unwrap(), base }
    }

    pub fn stats(&self) -> Stats {
        self.emulator.as_ref().unwrap().stats()
    }

    /// Wait until the emulator has received `n` requests to `endpoint` (a `/_stats` name,
    /// e.g. `invoke_command`): those calls are then in flight or answered.
    pub fn wait_for_requests(&self, endpoint: &str, n: u64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while self.stats().requests_to(endpoint) < n {
            assert!(std::time::Instant::now() < deadline, "{endpoint} never reached {n} requests");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Assert the emulator saw no protocol violation (anchor, region, client-request-id, audience, tenant).
    pub fn assert_no_violations(&self) {
        let stats = self.stats();
        assert_eq!(stats.violations_total(), 0, "violations: {:?}", stats.violations);
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Write `profile.yaml`: environment `lab` on the emulator, the well-known app, `tenants`
    /// (ids), and `commands` (YAML text of the `commands:` mapping, indented by 2).
    pub fn profile(&self, tenants: &[String], commands: &str, defaults: &str) -> PathBuf {
        let b = &self.base;
        let mut text = format!(
            "version: 1\nenvironments:\n  lab:\n    authority: {b}/login\n    exchange: {b}/exchange\n    \
             compliance: {b}/compliance\n    compliance_region: {b}/region/{{region}}\nidentities:\n  app:\n    \
             kind: client_secret\n    client_id: {CLIENT_ID}\n    client_secret: {{ env: EMU_SECRET }}\n\
             defaults:\n  environment: lab\n  identity: app\n{defaults}tenants:\n"
        );
        for t in tenants {
            text.push_str(&format!("  - id: {t}\n"));
        }
        text.push_str("commands:\n");
        text.push_str(commands);
        let path = self.path("profile.yaml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The binary with the lab's environment (secret, isolated token cache).
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantrun"));
        cmd.current_dir(self.dir.path())
            .env("EMU_SECRET", CLIENT_SECRET)
            .env("TENANTRUN_CACHE_DIR", self.path("cache"))
            .env_remove("TENANTRUN_LOG");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(h) = self.emulator.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

/// `n` tenant ids `t000.example` ...
pub fn tenants(n: usize, prefix: &str) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:03}.onmicrosoft.com")).collect()
}

/// The run directory a `run` printed on stdout ("Run directory: ...").
pub fn run_dir(lab: &Lab, out: &Output) -> PathBuf {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find_map(|l| l.strip_prefix("Run directory: ")).unwrap_or_else(|| {
        panic!("no run directory in stdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr))
    });
    lab.dir.path().join(line.trim())
}

/// The only run directory under `out`.
pub fn only_run(out: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> =
        std::fs::read_dir(out).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

pub fn show(out: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every line of results.jsonl (all must parse).
pub fn results(run: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(run.join("results.jsonl")).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// The effective line per (tenant, command, step): the last one.
pub fn effective(run: &Path) -> BTreeMap<(String, String, u64), Value> {
    let mut out = BTreeMap::new();
    for r in results(run) {
        out.insert(key(&r), r);
    }
    out
}

pub fn key(r: &Value) -> (String, String, u64) {
    (r["tenant"].as_str().unwrap().into(), r["command"].as_str().unwrap().into(), r["step"].as_u64().unwrap())
}

/// The items of a result line, parsed.
pub fn items(run: &Path, r: &Value) -> Vec<Value> {
    let rel = r["items"].as_str().unwrap_or_else(|| panic!("no items: {r}"));
    let text = std::fs::read_to_string(run.join(rel)).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// (tenant, command, step).
pub type StepId = (String, String, u64);
/// Status, item count, items path and items bytes of a step.
pub type StepPrint = (String, Option<u64>, Option<String>, Vec<u8>);

/// What must be equal between two runs of the same plan: per step its status, count and items bytes.
pub fn fingerprint(run: &Path) -> BTreeMap<StepId, StepPrint> {
    effective(run)
        .into_iter()
        .map(|(k, r)| {
            let bytes =
                r["items"].as_str().map(|rel| std::fs::read(run.join(rel)).unwrap()).unwrap_or_default();
            let fp = (
                r["status"].as_str().unwrap().to_string(),
                r["item_count"].as_u64(),
                r["items"].as_str().map(str::to_string),
                bytes,
            );
            (k, fp)
        })
        .collect()
}

pub fn summary(run: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap()
}

/// Assert no key containing `@odata.` anywhere in `v`.
pub fn assert_no_annotations(v: &Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                assert!(!k.contains("@odata."), "annotation {k} in {v}");
                assert_no_annotations(x);
            }
        }
        Value::Array(a) => a.iter().for_each(assert_no_annotations),
        _ => {}
    }
}

/// Set of keys of all objects in `items`.
pub fn keys_of(items: &[Value]) -> BTreeSet<String> {
    items.iter().filter_map(|i| i.as_object()).flat_map(|o| o.keys().cloned()).collect()
}
