//! `--tls`: a self-signed certificate for `localhost` and `127.0.0.1` generated at start
//! (rcgen, ring), written as PEM so clients can trust it through `ca_file`.

use super::error::EmulatorError;
use std::path::Path;
use std::sync::Arc;

/// Generate a certificate, write it to `cert_path`, and build the TLS acceptor.
pub fn acceptor(cert_path: &Path) -> Result<tokio_rustls::TlsAcceptor, EmulatorError> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|e| EmulatorError::Tls(e.to_string()))?;
    let pem = certified.cert.pem();
    if let Some(dir) = cert_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| EmulatorError::Write { path: dir.display().to_string(), reason: e.to_string() })?;
    }
    std::fs::write(cert_path, pem.as_bytes())
        .map_err(|e| EmulatorError::Write { path: cert_path.display().to_string(), reason: e.to_string() })?;
    let cert_der = certified.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| EmulatorError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .map_err(|e| EmulatorError::Tls(e.to_string()))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
