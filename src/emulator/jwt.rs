//! The emulator's token signer: RS256 access tokens (and self-contained refresh
//! tokens) signed with a fixed, public development key, and their verification.
//!
//! Verification of an access token is cached by the token text, so the admin API hot
//! path costs one sharded hash lookup instead of an RSA operation per request.

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sha1::Digest as _;
use std::collections::HashMap;
use std::sync::Arc;

const SIGNING_KEY_PEM: &str = include_str!("keys/signing_key.pem");
const SIGNING_PUBLIC_PEM: &str = include_str!("keys/signing_key.pub.pem");
const SHARDS: usize = 32;
const SHARD_CAP: usize = 20_000;

/// Claims of an access token (Entra v1-style, as the Exchange admin API receives them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub tid: String,
    pub appid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// `app` for app-only tokens, `user` for delegated ones.
    pub idtyp: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    pub oid: String,
    pub uti: String,
    pub ver: String,
}

/// Claims of an emulator refresh token (opaque to clients; self-contained so a restarted
/// emulator still honours tokens a client cached on disk).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RefreshClaims {
    /// Always `rt`.
    pub typ: String,
    pub upn: String,
    /// Client id.
    pub cid: String,
    /// Rotation family and generation.
    pub fam: String,
    pub gen: u64,
    pub iat: u64,
    pub exp: u64,
    /// When the user originally signed in (for sign-in frequency checks).
    pub auth_time: u64,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    Malformed,
    BadSignature,
}

/// Signs and verifies tokens.
pub struct Signer {
    /// RS256 signing with ring: several times faster than the pure-Rust bignum path,
    /// and the token endpoint must never be what a benchmark measures.
    signing: ring::signature::RsaKeyPair,
    rng: ring::rand::SystemRandom,
    decoding: DecodingKey,
    kid: String,
    modulus_b64: String,
    exponent_b64: String,
    cache: Vec<RwLock<HashMap<Box<str>, Arc<AccessClaims>>>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl Signer {
    pub fn new() -> Result<Self, String> {
        use rsa::pkcs1::DecodeRsaPublicKey as _;
        use rsa::traits::PublicKeyParts as _;
        let der = rustls_pemfile::rsa_private_keys(&mut SIGNING_KEY_PEM.as_bytes())
            .next()
            .ok_or("the signing key is not a PKCS#1 PEM key")?
            .map_err(|e| e.to_string())?;
        let signing =
            ring::signature::RsaKeyPair::from_der(der.secret_pkcs1_der()).map_err(|e| e.to_string())?;
        let decoding = DecodingKey::from_rsa_pem(SIGNING_PUBLIC_PEM.as_bytes()).map_err(|e| e.to_string())?;
        let public = rsa::RsaPublicKey::from_pkcs1_pem(SIGNING_PUBLIC_PEM).map_err(|e| e.to_string())?;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let modulus = public.n().to_bytes_be();
        let kid = b64.encode(sha1::Sha1::digest(&modulus));
        Ok(Signer {
            signing,
            rng: ring::rand::SystemRandom::new(),
            decoding,
            kid,
            modulus_b64: b64.encode(&modulus),
            exponent_b64: b64.encode(public.e().to_bytes_be()),
            cache: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        })
    }

    /// The JWKS document (`/discovery/v2.0/keys`).
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({"keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "x5t": self.kid,
            "n": self.modulus_b64, "e": self.exponent_b64,
        }]})
    }

    fn header(&self) -> Header {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(self.kid.clone());
        h.x5t = Some(self.kid.clone());
        h
    }

    pub fn sign_access(&self, claims: &AccessClaims) -> Result<String, String> {
        self.sign(claims)
    }

    pub fn sign_refresh(&self, claims: &RefreshClaims) -> Result<String, String> {
        self.sign(claims)
    }

    /// A compact JWS: `base64url(header).base64url(claims).base64url(RS256 signature)`.
    fn sign<T: serde::Serialize>(&self, claims: &T) -> Result<String, String> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = serde_json::to_vec(&self.header()).map_err(|e| e.to_string())?;
        let payload = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
        let input = format!("{}.{}", b64.encode(header), b64.encode(payload));
        let mut signature = vec![0u8; self.signing.public().modulus_len()];
        self.signing
            .sign(&ring::signature::RSA_PKCS1_SHA256, &self.rng, input.as_bytes(), &mut signature)
            .map_err(|_| "RS256 signing failed".to_string())?;
        Ok(format!("{input}.{}", b64.encode(signature)))
    }

    fn validation() -> Validation {
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_nbf = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        v
    }

    /// Verify an access token's signature (cached); expiry, audience and tenant are the caller's.
    pub fn verify_access(&self, token: &str) -> Result<Arc<AccessClaims>, TokenProblem> {
        let shard = &self.cache[shard_of(token)];
        if let Some(c) = shard.read().get(token) {
            return Ok(c.clone());
        }
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &Self::validation()).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenProblem::BadSignature,
                _ => TokenProblem::Malformed,
            },
        )?;
        let claims = Arc::new(data.claims);
        let mut w = shard.write();
        if w.len() >= SHARD_CAP {
            w.clear();
        }
        w.insert(token.into(), claims.clone());
        Ok(claims)
    }

    pub fn verify_refresh(&self, token: &str) -> Result<RefreshClaims, TokenProblem> {
        let data = jsonwebtoken::decode::<RefreshClaims>(token, &self.decoding, &Self::validation())
            .map_err(|_| TokenProblem::Malformed)?;
        if data.claims.typ != "rt" {
            return Err(TokenProblem::Malformed);
        }
        Ok(data.claims)
    }
}

fn shard_of(token: &str) -> usize {
    // The signature (last bytes) is uniformly random; a few of its bytes pick the shard.
    let b = token.as_bytes();
    let tail = &b[b.len().saturating_sub(4)..];
    tail.iter().fold(0usize, |acc, x| acc.wrapping_mul(31).wrapping_add(*x as usize)) % SHARDS
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
