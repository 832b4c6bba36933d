//! The secrets canary: a whole job — `tenantrun login` then `tenantrun run` over tenants using
//! every identity kind — at the highest verbosity, with canary secrets; no canary may appear in
//! stdout, stderr or any output file. Also checks `login` end to end through the binary.

use crate::auth_support;

use auth_support::Fixtures;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tenantrun::emulator::{
    ClientConfig, Emulator, EmulatorConfig, UserConfig, APP_CLIENT_ID, MANAGED_IDENTITY_HEADER, PARTNER_UPN,
    PUBLIC_CLIENT_ID,
};

const SECRET: &str = "CANARY-secret+/=%~7f3a";
const PFX_PASSWORD: &str = "CANARY-pfx-9b1c";
const USER_PASSWORD: &str = "CANARY-password-4d2e";
const SECRET_CLIENT: &str = "00000000-0000-4000-8000-00000000ca11";

/// Re-encrypt the fixture certificate and key as PKCS#12 with the canary password.
fn canary_pfx(fx: &Fixtures, to: &Path) {
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
    use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
    let pem = std::fs::read_to_string(fx.path("app.key.pem")).expect("key");
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).expect("pkcs8");
    let der = key.to_pkcs8_der().expect("der");
    let chain = PrivateKeyChain::new(
        vec![1u8; 20],
        PrivateKey::from_der(der.as_bytes()).expect("key der"),
        [Certificate::from_der(&fx.cert_der("app.cert.pem")).expect("cert")],
    );
    let mut store = KeyStore::new();
    store.add_entry("app", KeyStoreEntry::PrivateKeyChain(chain));
    let bytes = store.writer(PFX_PASSWORD).write().expect("pkcs12");
    std::fs::write(to, bytes).expect("write pfx");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

fn profile(base: &str) -> String {
    format!(
        r#"version: 1
environments:
  lab:
    authority: {base}/login
    exchange: {base}/exchange
    compliance: {base}/compliance
    compliance_region: {base}/region/{{region}}
identities:
  secret_app:
    kind: client_secret
    client_id: {SECRET_CLIENT}
    client_secret: {{ env: CANARY_SECRET }}
  cert_app:
    kind: certificate
    client_id: {APP_CLIENT_ID}
    certificate: {{ path: canary.pfx, password: {{ env: CANARY_PFX_PASSWORD }} }}
  partner:
    kind: refresh_token
    client_id: {PUBLIC_CLIENT_ID}
    refresh_token: {{ file: partner.rt }}
    user_principal_name: {PARTNER_UPN}
  ropc:
    kind: password
    client_id: {PUBLIC_CLIENT_ID}
    user_principal_name: canary@ropc.example
    password: {{ env: CANARY_PASSWORD }}
  msi:
    kind: managed_identity
  pipeline:
    kind: access_token
    token: {{ env: CANARY_ACCESS_TOKEN }}
  admin:
    kind: device_code
    client_id: {PUBLIC_CLIENT_ID}
    user_principal_name: {PARTNER_UPN}
defaults:
  environment: lab
  identity: secret_app
  retries: 1
tenants:
  - id: secret.example
  - id: cert.example
    identity: cert_app
  - id: gdap.example
    identity: partner
  - id: ropc.example
    identity: ropc
  - id: managed.onmicrosoft.com
    identity: msi
  - id: pipeline.example
    identity: pipeline
  - id: device.example
    identity: admin
commands:
  labels:
    - Get-Label
    - cmdlet: Get-LabelPolicy
      select: [Name]
"#
    )
}

fn every_file(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            every_file(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn show(out: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr (last 3000 bytes):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
            .chars()
            .rev()
            .take(3000)
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
    )
}

#[test]
fn no_canary_secret_leaks_at_the_highest_verbosity() {
    let fx = Fixtures::new();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let mut config =
        EmulatorConfig { auto_approve_device: true, record_credentials: true, ..EmulatorConfig::default() };
    config.certificates.push((APP_CLIENT_ID.to_string(), fx.cert_der("app.cert.pem")));
    config.clients.push(ClientConfig {
        client_id: SECRET_CLIENT.into(),
        secrets: vec![SECRET.into()],
        ..Default::default()
    });
    config.users.push(UserConfig {
        upn: "canary@ropc.example".into(),
        password: Some(USER_PASSWORD.into()),
        ..Default::default()
    });
    let emu = rt.block_on(Emulator::start(config)).expect("emulator");
    let base = emu.base_url().as_str().trim_end_matches('/').to_string();
    let partner_rt = emu.mint_refresh_token(PARTNER_UPN, PUBLIC_CLIENT_ID).expect("mint");

    // A token handed in by a "pipeline", obtained beforehand with the secret app.
    let mut env = tenantrun::environment::builtins()["emulator"].clone();
    env.bind_emulator(&emu.base_url());
    let app = tenantrun::profile::Identity {
        name: "seed".into(),
        kind: tenantrun::profile::IdentityKind::ClientSecret {
            client_id: SECRET_CLIENT.into(),
            client_secret: fx.secret("seed-secret", SECRET),
        },
    };
    let broker = tenantrun::auth::TokenBroker::new(tenantrun::auth::BrokerOptions::default());
    let handed = rt
        .block_on(broker.token(
            &app,
            &env,
            "pipeline.example",
            "https://ps.compliance.protection.outlook.com",
        ))
        .expect("pipeline token")
        .value
        .expose()
        .to_string();

    let work = fx.dir.path();
    std::fs::write(work.join("profile.yaml"), profile(&base)).expect("profile");
    canary_pfx(&fx, &work.join("canary.pfx"));
    fx.secret("partner.rt", &partner_rt);
    let cache = work.join("cache");
    let cmd = |args: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_tenantrun"))
            .current_dir(work)
            .args(args)
            .env("CANARY_SECRET", SECRET)
            .env("CANARY_PFX_PASSWORD", PFX_PASSWORD)
            .env("CANARY_PASSWORD", USER_PASSWORD)
            .env("CANARY_ACCESS_TOKEN", &handed)
            .env("IDENTITY_ENDPOINT", format!("{base}/msi/token"))
            .env("IDENTITY_HEADER", MANAGED_IDENTITY_HEADER)
            .env("TENANTRUN_IMDS_ENDPOINT", format!("{base}/metadata/identity/oauth2/token"))
            .env("TENANTRUN_CACHE_DIR", &cache)
            .env("TENANTRUN_LOG", "trace")
            .env_remove("RUST_LOG")
            .output()
            .expect("spawn tenantrun")
    };

    // Before login the device_code tenant cannot sign in; login fixes that.
    let login = cmd(&["-vvv", "login", "profile.yaml", "--identity", "admin"]);
    assert_eq!(login.status.code(), Some(0), "{}", show(&login));
    let login_err = String::from_utf8_lossy(&login.stderr);
    assert!(login_err.contains("enter the code"), "{login_err}");
    assert!(login_err.contains("refresh token of identity `admin` is cached in"), "{login_err}");
    assert!(cache.join("refresh_tokens.json").is_file());

    let run = cmd(&["-vvv", "run", "profile.yaml", "-o", "runs", "--progress", "plain"]);
    assert_eq!(run.status.code(), Some(0), "{}", show(&run));
    let results = std::fs::read_to_string(tenantrun_run_dir(&work.join("runs")).join("results.jsonl"))
        .expect("results");
    let ok = results.lines().filter(|l| l.contains(r#""status":"ok""#)).count();
    assert_eq!(ok, 7 * 2, "every tenant, every identity kind:\n{results}");

    // Every token the emulator issued during the test and every client assertion it was
    // sent, read from its side; plus each secret in every encoding a request carried it in.
    let issued = emu.issued_credentials();
    let kind_count = |needle: &str| issued.iter().filter(|t| jwt_payload(t).contains(needle)).count();
    assert!(kind_count(r#""idtyp":"app""#) >= 1 && kind_count(r#""idtyp":"user""#) >= 1, "{}", issued.len());
    assert!(kind_count(r#""typ":"rt""#) >= 1, "rotated refresh tokens recorded");
    assert!(kind_count(&format!(r#""sub":"{APP_CLIENT_ID}""#)) >= 1, "the client assertion recorded");
    let mut secrets: Vec<String> = Vec::new();
    for (id, secret) in [
        (SECRET_CLIENT, SECRET),
        (APP_CLIENT_ID, PFX_PASSWORD),
        (PUBLIC_CLIENT_ID, USER_PASSWORD),
        ("", MANAGED_IDENTITY_HEADER),
    ] {
        secrets.extend(encodings(id, secret));
    }
    secrets.extend([handed.clone(), partner_rt.clone(), "CANARY-".to_string()]);
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}").expect("regex");
    let mut checked = 0;
    let mut check = |what: &str, bytes: &[u8], in_cache: bool| {
        let text = String::from_utf8_lossy(bytes);
        for c in &secrets {
            assert!(!text.contains(c.as_str()), "a canary secret (an encoding of it) appears in {what}");
        }
        for t in &issued {
            // The refresh-token cache holds rotated refresh tokens by design, nothing else.
            if in_cache && jwt_payload(t).contains(r#""typ":"rt""#) {
                continue;
            }
            assert!(!text.contains(t.as_str()), "an issued token or assertion appears in {what}");
        }
        if !in_cache {
            assert!(jwt.find(&text).is_none(), "a JWT appears in {what}");
        }
        checked += 1;
    };
    for (what, bytes) in [
        ("login stdout", &login.stdout),
        ("login stderr", &login.stderr),
        ("run stdout", &run.stdout),
        ("run stderr", &run.stderr),
    ] {
        check(what, bytes, false);
    }
    let mut files = Vec::new();
    every_file(&work.join("runs"), &mut files);
    every_file(&cache, &mut files);
    assert!(files.len() >= 4, "{files:?}");
    for f in &files {
        let bytes = std::fs::read(f).expect("read output");
        check(&f.display().to_string(), &bytes, f.starts_with(&cache));
    }
    assert_eq!(checked, 4 + files.len());
    assert!(run.stderr.len() > 10_000, "trace logging was on ({} bytes)", run.stderr.len());
    rt.block_on(emu.shutdown());
}

/// The JSON payload of a JWT (empty when `token` is not one).
fn jwt_payload(token: &str) -> String {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `secret` as requests may carry it: raw, form-encoded, percent-encoded (upper and lower
/// hex), base64 alone, and in `Authorization: Basic` (`id:secret`, raw and form-encoded).
fn encodings(id: &str, secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let percent = |s: &str, lower: bool| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ if lower => format!("%{b:02x}"),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let mut all = vec![
        secret.to_string(),
        form(secret),
        percent(secret, false),
        percent(secret, true),
        STANDARD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
    ];
    if !id.is_empty() {
        all.push(STANDARD.encode(format!("{id}:{secret}")));
        all.push(STANDARD.encode(format!("{}:{}", form(id), form(secret))));
    }
    all.sort();
    all.dedup();
    all
}

fn tenantrun_run_dir(out: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> =
        std::fs::read_dir(out).expect("runs").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}
