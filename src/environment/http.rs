//! The HTTP client for one environment: rustls, the environment's extra CA file,
//! pooled keep-alive connections, and no automatic redirects (region discovery
//! reads the `Location` header itself; token endpoints never redirect).

use super::Environment;
use std::time::Duration;

/// Why the HTTP client for an environment could not be built.
#[derive(Debug, thiserror::Error)]
pub enum HttpClientError {
    #[error("environment `{env}`: cannot read ca_file {path}: {reason}")]
    CaFile { env: String, path: String, reason: String },
    #[error("environment `{env}`: cannot build HTTP client: {reason}")]
    Build { env: String, reason: String },
}

/// Build a client for `env` with a per-request `timeout`.
pub fn http_client(env: &Environment, timeout: Duration) -> Result<reqwest::Client, HttpClientError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(30)))
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .user_agent(concat!("tenantrun/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &env.ca_file {
        let pem = std::fs::read(path).map_err(|e| HttpClientError::CaFile {
            env: env.name.clone(),
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| HttpClientError::CaFile {
            env: env.name.clone(),
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| HttpClientError::Build { env: env.name.clone(), reason: e.to_string() })
}
