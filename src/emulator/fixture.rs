//! `tenantrun emulator --write-fixture DIR`: a working offline setup in one command.
//! Writes the scenario/registry file, the test client certificate (PEM, key, and a
//! password-protected PFX) and a profile that uses them against the emulator.

use super::registry::{APP_CLIENT_ID, PUBLIC_CLIENT_ID, TEST_CLIENT_CERT_PEM, TEST_CLIENT_KEY_PEM};
use std::path::{Path, PathBuf};

/// The PFX password written to `pfx-password.txt`.
pub const PFX_PASSWORD: &str = "emulator-pfx-password";

/// Why the fixture could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("cannot build the PFX: {0}")]
    Pfx(String),
}

/// Write the fixture into `dir`; returns the files written.
pub fn write(dir: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let mut written = Vec::new();
    let mut put = |name: &str, data: &[u8], private: bool| -> Result<(), FixtureError> {
        let path = dir.join(name);
        write_file(&path, data, private)?;
        written.push(path);
        Ok(())
    };
    std::fs::create_dir_all(dir.join("certs"))
        .map_err(|e| FixtureError::Write { path: dir.display().to_string(), reason: e.to_string() })?;
    std::fs::create_dir_all(dir.join("secrets"))
        .map_err(|e| FixtureError::Write { path: dir.display().to_string(), reason: e.to_string() })?;
    put("certs/emulator-app.pem", TEST_CLIENT_CERT_PEM.as_bytes(), false)?;
    put("certs/emulator-app.key", TEST_CLIENT_KEY_PEM.as_bytes(), true)?;
    put("certs/emulator-app.pfx", &pfx(PFX_PASSWORD)?, true)?;
    put("secrets/pfx-password.txt", PFX_PASSWORD.as_bytes(), true)?;
    put("secrets/client-secret.txt", super::registry::APP_CLIENT_SECRET.as_bytes(), true)?;
    put("secrets/password.txt", super::registry::USER_PASSWORD.as_bytes(), true)?;
    put("registry.json", registry_json().as_bytes(), false)?;
    put("tenantrun.yaml", profile_yaml().as_bytes(), false)?;
    Ok(written)
}

fn write_file(path: &Path, data: &[u8], private: bool) -> Result<(), FixtureError> {
    let err =
        |e: std::io::Error| FixtureError::Write { path: path.display().to_string(), reason: e.to_string() };
    std::fs::write(path, data).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = if private { 0o600 } else { 0o644 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(err)?;
    }
    let _ = private;
    Ok(())
}

/// The test certificate and key as a PKCS#12 file protected by `password`.
pub fn pfx(password: &str) -> Result<Vec<u8>, FixtureError> {
    let cert_der = super::registry::certs_from_pem(TEST_CLIENT_CERT_PEM.as_bytes())
        .map_err(FixtureError::Pfx)?
        .into_iter()
        .next()
        .ok_or_else(|| FixtureError::Pfx("no certificate".into()))?;
    let mut reader = std::io::BufReader::new(TEST_CLIENT_KEY_PEM.as_bytes());
    let key_der = rustls_pemfile::pkcs8_private_keys(&mut reader)
        .next()
        .ok_or_else(|| FixtureError::Pfx("no PKCS#8 key".into()))?
        .map_err(|e| FixtureError::Pfx(e.to_string()))?;
    let cert =
        p12_keystore::Certificate::from_der(&cert_der).map_err(|e| FixtureError::Pfx(e.to_string()))?;
    let key = p12_keystore::PrivateKey::from_der(key_der.secret_pkcs8_der())
        .map_err(|e| FixtureError::Pfx(e.to_string()))?;
    let local_key_id = {
        use sha1::Digest as _;
        sha1::Sha1::digest(&cert_der).to_vec()
    };
    let chain = p12_keystore::PrivateKeyChain::new(local_key_id, key, vec![cert]);
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry("emulator-app", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    store.writer(password).write().map_err(|e| FixtureError::Pfx(e.to_string()))
}

/// The registry (a scenario file) describing the fixture's tenants, clients and users.
pub fn registry_json() -> String {
    let v = serde_json::json!({
        "tenants": [
            {"id": "contoso.onmicrosoft.com", "region": "eur02b", "sizes": {"Get-Mailbox": 2500}},
            {"id": "fabrikam.onmicrosoft.com", "region": "none"},
            {"id": "8e3b2b9c-0000-4000-8000-00000000fab1", "aliases": ["tailspin.onmicrosoft.com"], "region": "nam12b"}
        ],
        "clients": [
            {"client_id": APP_CLIENT_ID, "display_name": "tenantrun emulator app", "certificate_files": ["certs/emulator-app.pem"]},
            {"client_id": PUBLIC_CLIENT_ID, "public": true}
        ],
        "users": [
            {"upn": "admin@partner.example", "partner": true}
        ]
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// A profile using every fixture identity against the built-in `emulator` environment.
pub fn profile_yaml() -> String {
    format!(
        r#"# Written by `tenantrun emulator --write-fixture`. Works offline against the emulator:
#   the built-in `emulator` environment starts one in-process; for a standalone one,
#   `tenantrun emulator --scenario registry.json --addr 127.0.0.1:8400`, declare an environment
#   whose authority is the emulator's URL (Entra tenant first: AUTHORITY/{{tenant}}/oauth2/v2.0/token):
#     environments:
#       local:
#         authority: http://127.0.0.1:8400
#         compliance: http://127.0.0.1:8400/compliance
#         compliance_region: "http://127.0.0.1:8400/region/{{region}}"
#         exchange: http://127.0.0.1:8400/exchange
version: 1

identities:
  app-cert:
    kind: certificate
    client_id: {APP_CLIENT_ID}
    certificate: {{ path: certs/emulator-app.pfx, password: {{ file: secrets/pfx-password.txt }} }}
  app-secret:
    kind: client_secret
    client_id: {APP_CLIENT_ID}
    client_secret: {{ file: secrets/client-secret.txt }}
  admin-password:
    kind: password
    client_id: {PUBLIC_CLIENT_ID}
    user_principal_name: admin@partner.example
    password: {{ file: secrets/password.txt }}

defaults:
  environment: emulator
  identity: app-cert
  service: compliance
  concurrency: 8

tenants:
  - id: contoso.onmicrosoft.com
    name: Contoso
    tags: [emea]
  - id: fabrikam.onmicrosoft.com
    name: Fabrikam
    identity: app-secret
  - id: 8e3b2b9c-0000-4000-8000-00000000fab1
    name: Tailspin
    tags: [amer]

commands:
  labels:
    - Get-Label
    - cmdlet: Get-LabelPolicy
      select: [Name, Labels, Enabled]
  mailboxes:
    - cmdlet: Get-Mailbox
      service: exchange
      parameters: {{ ResultSize: Unlimited, Filter: "RecipientTypeDetails -eq 'SharedMailbox'" }}
"#
    )
}
