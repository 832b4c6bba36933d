//! Helpers for the auth tests: the oidc-provider peer (a spawned Node process on a free
//! loopback port, killed on drop), private copies of the certificate fixtures, secret files,
//! and a browser-free approval of oidc-provider's device flow.
#![allow(dead_code)]

use base64::Engine as _;
use std::collections::HashMap;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use tenantrun::environment::Environment;
use tenantrun::profile::SecretRef;
use url::Url;

pub const TENANT: &str = "contoso.example";
pub const RESOURCE: &str = "https://outlook.office365.com";

/// A running oidc-provider (tests/oidc/server.mjs).
pub struct OidcPeer {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl OidcPeer {
    /// Start the peer with `clients` (oidc-provider client metadata) and options.
    /// Installs the peer first (`npm ci` from the committed lockfile) when tests/oidc has
    /// no complete `node_modules`; fails — never skips — when Node is missing.
    pub fn start(clients: serde_json::Value, access_token_ttl: u64, device_interval: Option<u64>) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
        ensure_installed(&root);
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = serde_json::json!({
            "tenant": TENANT,
            "resources": [RESOURCE, "https://ps.compliance.protection.outlook.com"],
            "clients": clients,
            "access_token_ttl": access_token_ttl,
            "device_interval": device_interval,
        });
        let cfg_path = dir.path().join("config.json");
        std::fs::write(&cfg_path, serde_json::to_vec(&cfg).expect("json")).expect("write config");
        let mut child = Command::new("node")
            .arg(root.join("server.mjs"))
            .arg(&cfg_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(dir.path().join("stderr.log")).expect("log")))
            .spawn()
            .expect("spawn node (Node 20+ must be installed)");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("read port line");
        // Keep draining: oidc-provider logs notices to stdout and dies of EPIPE if nobody reads.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| {
            let log = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
            panic!("oidc peer did not start ({e}): {line:?}\n{log}")
        });
        let port = v["port"].as_u64().expect("port") as u16;
        OidcPeer { child, port, _dir: dir }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An environment whose authority is this peer.
    pub fn env(&self) -> Environment {
        let mut env = tenantrun::environment::builtins()["commercial"].clone();
        env.name = "oidc".into();
        env.authority = Url::parse(&format!("{}/", self.base())).expect("url");
        env
    }

    /// Requests served per path.
    pub async fn count(&self, path: &str) -> u64 {
        let v: serde_json::Value = client()
            .get(format!("{}/_stats", self.base()))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("stats json");
        v["requests"][path].as_u64().unwrap_or(0)
    }
}

impl Drop for OidcPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().expect("client")
}

/// A private (0700) folder with the fixtures copied at mode 0600.
pub struct Fixtures {
    pub dir: tempfile::TempDir,
}

impl Fixtures {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/auth");
        for entry in std::fs::read_dir(&src).expect("fixtures") {
            let entry = entry.expect("entry");
            let to = dir.path().join(entry.file_name());
            std::fs::copy(entry.path(), &to).expect("copy");
            set_private(&to);
        }
        Fixtures { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Write a secret file (mode 0600) and return its reference.
    pub fn secret(&self, name: &str, value: &str) -> SecretRef {
        let p = self.path(name);
        std::fs::write(&p, value).expect("write secret");
        set_private(&p);
        SecretRef::File(p)
    }

    /// The public JWK of a PEM certificate's key (for oidc-provider's `jwks`).
    pub fn public_jwk(&self, key_pem: &str) -> serde_json::Value {
        use rsa::pkcs8::DecodePrivateKey as _;
        use rsa::traits::PublicKeyParts as _;
        let pem = std::fs::read_to_string(self.path(key_pem)).expect("key");
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).expect("pkcs8");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        serde_json::json!({
            "kty": "RSA", "use": "sig", "alg": "RS256",
            "n": b64.encode(key.n().to_bytes_be()), "e": b64.encode(key.e().to_bytes_be()),
        })
    }

    pub fn cert_der(&self, cert_pem: &str) -> Vec<u8> {
        let pem = std::fs::read(self.path(cert_pem)).expect("cert");
        let mut r = pem.as_slice();
        let cert = rustls_pemfile::certs(&mut r).next().expect("one cert").expect("pem");
        cert.as_ref().to_vec()
    }
}

fn set_private(p: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

/// The claims of a JWT, unverified.
pub fn claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("jwt payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("b64");
    serde_json::from_slice(&bytes).expect("claims json")
}

/// Approve a device code at oidc-provider's devInteractions pages, as a user would in a
/// browser: confirm the code, sign in as `login`, consent.
pub async fn approve_device(base: &str, user_code: &str, login: &str) {
    let http = client();
    let mut jar: HashMap<String, String> = HashMap::new();
    let cookie = |jar: &HashMap<String, String>| {
        jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    };
    let keep = |jar: &mut HashMap<String, String>, resp: &reqwest::Response| {
        for v in resp.headers().get_all(reqwest::header::SET_COOKIE) {
            let s = v.to_str().unwrap_or("");
            if let Some((kv, _)) = s.split_once(';').or(Some((s, ""))) {
                if let Some((k, v)) = kv.split_once('=') {
                    jar.insert(k.trim().to_string(), v.trim().to_string());
                }
            }
        }
    };
    let abs = |loc: &str| if loc.starts_with("http") { loc.to_string() } else { format!("{base}{loc}") };

    let resp = http.get(format!("{base}/device?user_code={user_code}")).send().await.expect("device page");
    keep(&mut jar, &resp);
    let page = resp.text().await.expect("page");
    let xsrf = page
        .split("name=\"xsrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("xsrf field")
        .to_string();
    let resp = http
        .post(format!("{base}/device"))
        .header("cookie", cookie(&jar))
        .form(&[("xsrf", xsrf.as_str()), ("user_code", user_code), ("confirm", "yes")])
        .send()
        .await
        .expect("confirm");
    keep(&mut jar, &resp);
    let mut location = resp.headers().get("location").and_then(|l| l.to_str().ok()).map(abs);
    for _ in 0..10 {
        let Some(url) = location.take() else { break };
        let resp = http.get(&url).header("cookie", cookie(&jar)).send().await.expect("follow");
        keep(&mut jar, &resp);
        if let Some(l) = resp.headers().get("location").and_then(|l| l.to_str().ok()) {
            location = Some(abs(l));
            continue;
        }
        let page = resp.text().await.expect("page");
        let form: Vec<(&str, &str)> = if page.contains("name=\"prompt\" value=\"login\"") {
            vec![("prompt", "login"), ("login", login), ("password", "any")]
        } else if page.contains("name=\"prompt\" value=\"consent\"") {
            vec![("prompt", "consent")]
        } else if page.contains("Sign-in Success") {
            return;
        } else {
            panic!("unexpected device page: {}", &page[..page.len().min(400)]);
        };
        let resp = http.post(&url).header("cookie", cookie(&jar)).form(&form).send().await.expect("submit");
        keep(&mut jar, &resp);
        location = resp.headers().get("location").and_then(|l| l.to_str().ok()).map(abs);
    }
    panic!("device approval did not finish");
}

/// Whether `npm ci` completed in `root` (npm writes `node_modules/.package-lock.json` last).
fn installed(root: &Path) -> bool {
    root.join("node_modules/.package-lock.json").is_file()
        && root.join("node_modules/oidc-provider/package.json").is_file()
}

/// Run `npm ci` in `root` once, whatever the number of test threads and processes
/// (`cargo test` runs test binaries one after another, but a developer may run several):
/// an exclusive lock on `root/.npm-ci.lock` serialises them, and whoever gets it second
/// finds the install done.
fn ensure_installed(root: &Path) {
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        if installed(root) {
            return;
        }
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(".npm-ci.lock"))
            .expect("create tests/oidc/.npm-ci.lock");
        lock.lock().expect("lock tests/oidc/.npm-ci.lock");
        if installed(root) {
            return;
        }
        let node = Command::new("node").arg("--version").output();
        if !node.as_ref().is_ok_and(|o| o.status.success()) {
            panic!(
                "the OAuth test peer (tests/oidc, oidc-provider) needs Node.js 20 or newer and npm, and `node` \
                 cannot be run ({}); install Node.js (e.g. `apt-get install nodejs npm`, or from nodejs.org) and \
                 run `cargo test --locked` again",
                match &node {
                    Ok(o) => format!("exit status {}", o.status),
                    Err(e) => e.to_string(),
                }
            );
        }
        let npm = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(root)
            .stdin(Stdio::null())
            .output();
        match npm {
            Ok(o) if o.status.success() && installed(root) => {}
            Ok(o) => panic!(
                "`npm ci` in tests/oidc failed ({}):\n{}{}",
                o.status,
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => panic!("cannot run `npm ci` in tests/oidc: {e} (install npm with Node.js 20 or newer)"),
        }
    });
}
