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

/// Idle connections per host for a client whose requests run as wide as `-j` (the admin
/// API): enough for every tenant of the widest run to find one free.
pub const IDLE_PER_HOST_MANY: usize = 1024;

/// Idle connections per host for a client making one or a few requests per tenant (token
/// endpoints; Graph discovery, which reads its pages in turn). Connections left idle by a
/// burst of sign-ins (a run's first `-j` plus `--connect-ahead` tenants) are closed instead
/// of held for the rest of the run, each with hyper's buffers and dispatch channel (~45 KiB;
/// `bench --only overhead`, peak RSS at 10,000 tenants and `-j 256`: 72.6 MiB keeping 1,024,
/// 66.7 MiB keeping 16).
pub const IDLE_PER_HOST_FEW: usize = 16;

/// Build a client for `env` with a per-request `timeout`, keeping at most `idle_per_host`
/// idle connections per host.
pub fn http_client(
    env: &Environment,
    timeout: Duration,
    idle_per_host: usize,
) -> Result<reqwest::Client, HttpClientError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(30)))
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(idle_per_host)
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

/// When `error` (or one of its causes) is a TLS certificate the client does not trust
/// (self-signed, unknown issuer, expired, wrong host name), what is wrong with it, as the
/// end of a sentence naming the server — so the message says it is the certificate, not
/// the network.
pub fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(rustls::Error::InvalidCertificate(why)) = e.downcast_ref::<rustls::Error>() {
            return Some(describe_certificate_error(&format!("{why:?}")));
        }
        // The connector wraps rustls' error in layers a downcast cannot see through
        // (`io::Error::source` skips what it wraps): its text is rustls' own.
        let text = e.to_string();
        if let Some(at) = text.find(INVALID_CERTIFICATE) {
            return Some(describe_certificate_error(&text[at + INVALID_CERTIFICATE.len()..]));
        }
        next = e.source();
    }
    None
}

/// How rustls starts the text of `Error::InvalidCertificate`.
const INVALID_CERTIFICATE: &str = "invalid peer certificate: ";

/// `why` is the `CertificateError` as rustls names (`UnknownIssuer`) or describes it
/// (`certificate expired: …`).
fn describe_certificate_error(why: &str) -> String {
    let what = match why {
        w if w.starts_with("UnknownIssuer") => {
            "is not signed by a trusted authority (self-signed or a private CA)".to_string()
        }
        w if w.starts_with("Expired") || w.starts_with("certificate expired") => "has expired".to_string(),
        w if w.starts_with("NotValidYet") || w.starts_with("certificate not valid yet") => {
            "is not valid yet".to_string()
        }
        w if w.starts_with("NotValidForName") || w.starts_with("certificate not valid for name") => {
            "is not valid for this host name".to_string()
        }
        w if w.starts_with("Revoked") => "is revoked".to_string(),
        other => format!("is not trusted ({})", crate::server_text::clean_line(other)),
    };
    format!("presents a TLS certificate that {what}")
}

/// What to do about an untrusted certificate.
pub const CA_FILE_HINT: &str =
    "if the server is genuine and uses a private CA, set the environment's ca_file to that CA's PEM certificate";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_errors_are_named() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert_eq!(
            certificate_problem(&io).as_deref(),
            Some("presents a TLS certificate that is not signed by a trusted authority (self-signed or a private CA)")
        );
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        assert_eq!(
            certificate_problem(&expired).as_deref(),
            Some("presents a TLS certificate that has expired")
        );
        assert_eq!(certificate_problem(&std::io::Error::other("connection refused")), None);
    }
}
