//! The harness of tests/emulator_msal.rs: Microsoft's own libraries (MSAL Python,
//! azure-identity) installed into a venv under target/ from the pinned
//! `tests/msal/requirements.txt`, `tenantrun emulator --tls` started as its own process, and
//! the flow scripts of tests/msal run against it, each answering one JSON object.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use sha2::Digest as _;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const APP_ANCHOR: &str = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/msal")
}

/// `target/msal-venv`, next to the test binaries' `target/tmp`.
fn venv_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target dir").join("msal-venv")
}

/// What the venv was built from: the SHA-256 of requirements.txt, written last.
const MARKER: &str = "requirements.sha256";

/// The venv's Python, installing the venv first when it is missing or was built from another
/// requirements.txt. One install however many test threads and processes start at once: an
/// exclusive lock on `target/msal-venv.lock` serialises them, and whoever gets it second
/// finds the venv done. Fails, never skips, when Python 3 or its venv module is missing.
pub fn python() -> PathBuf {
    static DONE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let dir = venv_dir();
        let requirements = scripts_dir().join("requirements.txt");
        let wanted = hex(&sha2::Sha256::digest(std::fs::read(&requirements).expect("read requirements.txt")));
        let python = dir.join("bin/python");
        let current = || std::fs::read_to_string(dir.join(MARKER)).is_ok_and(|m| m.trim() == wanted);
        if current() {
            return python;
        }
        std::fs::create_dir_all(dir.parent().expect("target dir")).expect("create target dir");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.with_extension("lock"))
            .expect("create target/msal-venv.lock");
        lock.lock().expect("lock target/msal-venv.lock");
        if current() {
            return python;
        }
        install(&dir, &requirements);
        std::fs::write(dir.join(MARKER), &wanted).expect("write the venv marker");
        python
    })
    .clone()
}

fn install(dir: &Path, requirements: &Path) {
    let version = Command::new("python3").arg("--version").output();
    if !version.as_ref().is_ok_and(|o| o.status.success()) {
        panic!(
            "tests/emulator_msal.rs runs MSAL Python and azure-identity and needs Python 3.9 or newer, and \
             `python3` cannot be run ({}); install it (e.g. `apt-get install python3 python3-venv`) and run \
             `cargo test --locked` again",
            match &version {
                Ok(o) => format!("exit status {}", o.status),
                Err(e) => e.to_string(),
            }
        );
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("remove the outdated target/msal-venv");
    }
    let venv = Command::new("python3").arg("-m").arg("venv").arg(dir).stdin(Stdio::null()).output();
    match venv {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "`python3 -m venv {}` failed ({}); on Debian and Ubuntu the venv module is the package \
             `python3-venv` (`apt-get install python3-venv`):\n{}{}",
            dir.display(),
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("cannot run `python3 -m venv`: {e}"),
    }
    let pip = Command::new(dir.join("bin/python"))
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet", "-r"])
        .arg(requirements)
        .stdin(Stdio::null())
        .output();
    match pip {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "`pip install -r tests/msal/requirements.txt` failed ({}); it needs PyPI (or a mirror set in \
             PIP_INDEX_URL):\n{}{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("cannot run pip in target/msal-venv: {e}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `tenantrun emulator --tls` on its own, with the fixture `--write-fixture` wrote; killed on drop.
pub struct Emulator {
    child: Child,
    /// `https://127.0.0.1:PORT`, no trailing slash: the Entra authority.
    pub url: String,
    dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl Emulator {
    /// Start on `addr` (`127.0.0.1:0` for a free port) with `extra` flags.
    pub fn start(addr: &str, extra: &[&str]) -> Emulator {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = env!("CARGO_BIN_EXE_tenantrun");
        let fixture = dir.path().join("fixture");
        let out = Command::new(bin).arg("emulator").arg("--write-fixture").arg(&fixture).output().unwrap();
        assert!(out.status.success(), "--write-fixture: {}", String::from_utf8_lossy(&out.stderr));
        let ca = dir.path().join("ca.pem");
        let mut child = Command::new(bin)
            .args(["emulator", "--tls", "--addr", addr, "--tls-cert-file"])
            .arg(&ca)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tenantrun emulator");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        if !line.starts_with("https://") {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "tenantrun emulator --addr {addr} did not start: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let url = line.trim().trim_end_matches('/').to_string();
        let cert = reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap();
        let http = reqwest::Client::builder().add_root_certificate(cert).build().unwrap();
        Emulator { child, url, dir, http }
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// Run `tests/msal/{script}.py` with `env` added to the emulator's settings; its JSON answer.
    pub fn run(&self, script: &str, env: &[(&str, String)]) -> Value {
        self.python(&format!("{script}.py"), &[scripts_dir().join(format!("{script}.py"))], env)
    }

    /// Run Python `code` (`python -c`) with the emulator's settings; its JSON answer.
    pub fn run_code(&self, name: &str, code: &str) -> Value {
        self.python(name, &[PathBuf::from("-c"), PathBuf::from(code)], &[])
    }

    fn python(&self, name: &str, args: &[PathBuf], env: &[(&str, String)]) -> Value {
        let mut cmd = Command::new(python());
        cmd.args(args)
            .current_dir(scripts_dir())
            .env("EMULATOR_URL", &self.url)
            .env("EMULATOR_FIXTURE", self.dir.path().join("fixture"))
            .env("REQUESTS_CA_BUNDLE", self.ca_file())
            .env("SSL_CERT_FILE", self.ca_file())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null());
        // Only what this run sets decides the managed identity source and the routing.
        for var in [
            "IDENTITY_ENDPOINT",
            "IDENTITY_HEADER",
            "IDENTITY_SERVER_THUMBPRINT",
            "IMDS_ENDPOINT",
            "MSI_ENDPOINT",
            "MSI_SECRET",
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            "AZURE_AUTHORITY_HOST",
            "AZURE_REGIONAL_AUTHORITY_NAME",
            "MSAL_FORCE_REGION",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run python");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name} failed ({}):\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("{name} printed no JSON ({e}): {stdout}"))
    }

    /// Call Get-OrganizationConfig on the Exchange admin API with `token` for `tenant`;
    /// the anchor names the app's system mailbox or the token's user. Returns the status.
    pub async fn invoke(&self, token: &str, tenant: &str, anchor: &str) -> u16 {
        let url = format!("{}/exchange/adminapi/beta/{tenant}/InvokeCommand", self.url);
        let resp = self
            .http
            .post(url)
            .bearer_auth(token)
            .header("X-ResponseFormat", "json")
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .header("X-AnchorMailbox", anchor)
            .json(&serde_json::json!({"CmdletInput": {"CmdletName": "Get-OrganizationConfig", "Parameters": {}}}))
            .send()
            .await
            .expect("InvokeCommand");
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.expect("InvokeCommand answers JSON");
        assert!(status != 200 || body["value"].is_array(), "{body}");
        status
    }

    /// GET `path` (after the URL's `/`) and parse its JSON answer.
    pub async fn get_json(&self, path: &str) -> Value {
        let resp = self.http.get(format!("{}/{path}", self.url)).send().await.expect("GET");
        resp.json().await.expect("a JSON answer")
    }

    pub async fn stats(&self) -> Value {
        self.get_json("_stats").await
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The claims of a JWT (not verified: the admin API call does that).
pub fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let part = token.split('.').nth(1).expect("a JWT");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).expect("base64url claims");
    serde_json::from_slice(&raw).expect("JSON claims")
}
