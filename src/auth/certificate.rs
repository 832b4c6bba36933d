//! `certificate`: app-only sign-in with a certificate (`-AppId -CertificateFilePath
//! -CertificatePassword`), from PKCS#12 (pure Rust, `p12-keystore`) or PEM certificate + key.
//! The client assertion is an RS256 JWT with `x5t` (base64url SHA-1 of the certificate DER) and
//! `x5t#S256`, `aud` = the token endpoint, `iss` = `sub` = client id, a fresh `jti`, `nbf` and
//! a short `exp`.

use super::error::{AuthError, AuthErrorKind};
use super::grant::{issued_from, map_request_error, GrantContext, Issued};
use super::transport::RecordingClient;
use crate::profile::{CertificateSource, SecretRef};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oauth2::Scope;
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use sha1::Digest as _;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `client_assertion_type` for a JWT client assertion.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid: short, as Entra recommends.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// A loaded certificate and its private key, ready to sign assertions. Redacted in `Debug`.
pub struct CertificateCredential {
    key: EncodingKey,
    /// base64url(SHA-1(cert DER)).
    pub x5t: String,
    /// base64url(SHA-256(cert DER)).
    pub x5t_s256: String,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
}

impl fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateCredential").field("x5t", &self.x5t).field("key", &"<redacted>").finish()
    }
}

#[derive(serde::Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    iat: u64,
    exp: u64,
}

impl CertificateCredential {
    /// Read the certificate and key named by a profile.
    pub fn load(source: &CertificateSource) -> Result<Self, String> {
        let password = match &source.password {
            Some(p) => Some(p.resolve().map_err(|e| format!("cannot read the certificate password: {e}"))?),
            None => None,
        };
        let (cert_der, key_der) = match &source.key {
            Some(key_path) => {
                let cert = std::fs::read(&source.path)
                    .map_err(|e| format!("cannot read certificate {}: {e}", source.path.display()))?;
                let key = SecretRef::read_bytes(key_path).map_err(|e| e.to_string())?;
                (pem_certificate(&cert, &source.path)?, pem_key(&key, key_path)?)
            }
            None => {
                let bytes = SecretRef::read_bytes(&source.path).map_err(|e| e.to_string())?;
                if bytes.starts_with(b"-----BEGIN") {
                    (pem_certificate(&bytes, &source.path)?, pem_key(&bytes, &source.path)?)
                } else {
                    let pw = password.as_ref().map(|p| p.expose()).unwrap_or("");
                    pkcs12(&bytes, pw, &source.path)?
                }
            }
        };
        Self::from_der(cert_der, &key_der)
    }

    /// Build from a DER certificate and a PKCS#8 or PKCS#1 DER RSA key.
    pub fn from_der(cert_der: Vec<u8>, key_der: &[u8]) -> Result<Self, String> {
        let key = rsa::RsaPrivateKey::from_pkcs8_der(key_der)
            .or_else(|_| rsa::pkcs1::DecodeRsaPrivateKey::from_pkcs1_der(key_der))
            .map_err(|_| "the private key is not an RSA key (PKCS#8 or PKCS#1)".to_string())?;
        let pkcs1 = key.to_pkcs1_der().map_err(|e| format!("cannot encode the RSA key: {e}"))?;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        Ok(CertificateCredential {
            key: EncodingKey::from_rsa_der(pkcs1.as_bytes()),
            x5t: b64.encode(sha1::Sha1::digest(&cert_der)),
            x5t_s256: b64.encode(sha2::Sha256::digest(&cert_der)),
            cert_der,
        })
    }

    /// A signed client assertion for `client_id` at `token_url`.
    pub fn assertion(&self, client_id: &str, token_url: &str) -> Result<String, String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.x5t = Some(self.x5t.clone());
        header.x5t_s256 = Some(self.x5t_s256.clone());
        let claims = AssertionClaims {
            aud: token_url,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| format!("cannot sign the client assertion: {e}"))
    }
}

fn pkcs12(bytes: &[u8], password: &str, path: &std::path::Path) -> Result<(Vec<u8>, Vec<u8>), String> {
    use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
    let store = KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Relaxed).map_err(|_| {
        format!("cannot open PKCS#12 file {}: wrong password or not a PKCS#12 file", path.display())
    })?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| format!("PKCS#12 file {} holds no private key", path.display()))?;
    let cert = chain
        .certs()
        .first()
        .ok_or_else(|| format!("PKCS#12 file {} holds no certificate for its key", path.display()))?;
    Ok((cert.as_der().to_vec(), chain.key().as_der().to_vec()))
}

fn pem_certificate(pem: &[u8], path: &std::path::Path) -> Result<Vec<u8>, String> {
    let mut reader = pem;
    let first = rustls_pemfile::certs(&mut reader).next().and_then(|c| c.ok()).map(|c| c.as_ref().to_vec());
    first.ok_or_else(|| format!("no PEM CERTIFICATE in {}", path.display()))
}

fn pem_key(pem: &[u8], path: &std::path::Path) -> Result<Vec<u8>, String> {
    const ENCRYPTED: &[u8] = b"-----BEGIN ENCRYPTED PRIVATE KEY-----";
    if pem.windows(ENCRYPTED.len()).any(|w| w == ENCRYPTED) {
        return Err(format!(
            "the key in {} is encrypted; use a PKCS#12 (.pfx) file with a password, or an unencrypted key file with mode 0600",
            path.display()
        ));
    }
    let mut reader = pem;
    match rustls_pemfile::private_key(&mut reader) {
        Ok(Some(key)) => Ok(key.secret_der().to_vec()),
        _ => Err(format!("no PEM private key in {}", path.display())),
    }
}

pub(crate) async fn acquire(
    cx: &GrantContext<'_>,
    client_id: &str,
    credential: &CertificateCredential,
) -> Result<Issued, AuthError> {
    let token_url = cx.token_url();
    let assertion =
        credential.assertion(client_id, &token_url).map_err(|e| cx.error(AuthErrorKind::Configuration, e))?;
    tracing::debug!(
        target: "tenantrun::auth",
        identity = %cx.identity.name,
        x5t = %credential.x5t,
        "certificate client assertion (x5t is the certificate's SHA-1 thumbprint, base64url)"
    );
    let client = cx.oauth_client(client_id)?;
    let http = RecordingClient::new(cx.transport);
    client
        .exchange_client_credentials()
        .add_scope(Scope::new(cx.default_scope()))
        .add_extra_param("client_assertion_type", JWT_BEARER)
        .add_extra_param("client_assertion", assertion.clone())
        .request_async(&http)
        .await
        .map(|r| issued_from(&r))
        .map_err(|e| map_request_error(&cx.error_context(Some(client_id)), &http, e, &[assertion.as_str()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = include_str!("../../tests/fixtures/auth/app.cert.pem");
    const KEY: &str = include_str!("../../tests/fixtures/auth/app.key.pem");

    fn part(jwt: &str, i: usize) -> serde_json::Value {
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').nth(i).expect("part"));
        serde_json::from_slice(&b.expect("b64")).expect("json")
    }

    #[test]
    fn assertion_has_entra_header_and_claims_and_verifies() {
        let path = std::path::Path::new("fixture");
        let cert = pem_certificate(CERT.as_bytes(), path).expect("cert");
        let key = pem_key(KEY.as_bytes(), path).expect("key");
        let cred = CertificateCredential::from_der(cert.clone(), &key).expect("credential");
        let url = "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token";
        let a = cred.assertion("app-id", url).expect("sign");
        let b = cred.assertion("app-id", url).expect("sign");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = part(&a, 0);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["x5t"], b64.encode(sha1::Sha1::digest(&cert)));
        assert_eq!(header["x5t#S256"], b64.encode(sha2::Sha256::digest(&cert)));
        assert!(header.get("kid").is_none());
        let claims = part(&a, 1);
        assert_eq!(
            (claims["aud"].as_str(), claims["iss"].as_str(), claims["sub"].as_str()),
            (Some(url), Some("app-id"), Some("app-id"))
        );
        let (nbf, exp) = (claims["nbf"].as_u64().expect("nbf"), claims["exp"].as_u64().expect("exp"));
        assert_eq!(exp - nbf, 300, "short-lived");
        assert_ne!(claims["jti"], part(&b, 1)["jti"], "fresh jti each time");
        // The signature verifies with the certificate's public key.
        use rsa::pkcs8::DecodePrivateKey as _;
        use rsa::traits::PublicKeyParts as _;
        let public = rsa::RsaPrivateKey::from_pkcs8_pem(KEY).expect("key").to_public_key();
        let dk = jsonwebtoken::DecodingKey::from_rsa_raw_components(
            &public.n().to_bytes_be(),
            &public.e().to_bytes_be(),
        );
        let mut v = jsonwebtoken::Validation::new(Algorithm::RS256);
        v.set_audience(&[url]);
        jsonwebtoken::decode::<serde_json::Value>(&a, &dk, &v).expect("signature verifies");
    }

    #[test]
    fn encrypted_pem_keys_are_refused_with_a_hint() {
        let pem = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let err = pem_key(pem, std::path::Path::new("k.pem")).expect_err("refused");
        assert!(err.contains("PKCS#12"), "{err}");
    }
}
