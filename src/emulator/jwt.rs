//! The emulator's token signer: RS256 access tokens (and self-contained refresh
//! tokens) signed with a fixed, public development key, and their verification.
//!
//! Signing and checking signatures use ring (several times faster than a pure-Rust RSA,
//! which matters when a benchmark asks for thousands of tenants' tokens at once; see
//! docs/benchmarks.md, "Where the fan-out at C=64 goes"); jsonwebtoken reads the header
//! and claims. Verification is cached by the token text,
//! so the admin API hot path costs one sharded hash lookup instead of an RSA operation
//! per request.

use base64::Engine as _;
use jsonwebtoken::Algorithm;
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
    key_pair: ring::signature::RsaKeyPair,
    rng: ring::rand::SystemRandom,
    /// The base64url JOSE header, identical for every token.
    header_b64: String,
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
        let mut reader = std::io::BufReader::new(SIGNING_KEY_PEM.as_bytes());
        let der = match rustls_pemfile::read_one(&mut reader) {
            Ok(Some(rustls_pemfile::Item::Pkcs1Key(k))) => k.secret_pkcs1_der().to_vec(),
            _ => return Err("the signing key is not a PKCS#1 RSA key".into()),
        };
        let key_pair = ring::signature::RsaKeyPair::from_der(&der).map_err(|e| e.to_string())?;
        let public = rsa::RsaPublicKey::from_pkcs1_pem(SIGNING_PUBLIC_PEM).map_err(|e| e.to_string())?;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let modulus = public.n().to_bytes_be();
        let kid = b64.encode(sha1::Sha1::digest(&modulus));
        let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "kid": kid, "x5t": kid});
        let header_b64 = b64.encode(serde_json::to_vec(&header).map_err(|e| e.to_string())?);
        Ok(Signer {
            key_pair,
            rng: ring::rand::SystemRandom::new(),
            header_b64,
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

    /// Encode and sign `claims` as a compact RS256 JWS.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, String> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
        let mut token = format!("{}.{}", self.header_b64, b64.encode(payload));
        let mut signature = vec![0u8; self.key_pair.public().modulus_len()];
        self.key_pair
            .sign(&ring::signature::RSA_PKCS1_SHA256, &self.rng, token.as_bytes(), &mut signature)
            .map_err(|e| e.to_string())?;
        token.push('.');
        token.push_str(&b64.encode(signature));
        Ok(token)
    }

    pub fn sign_access(&self, claims: &AccessClaims) -> Result<String, String> {
        self.sign(claims)
    }

    pub fn sign_refresh(&self, claims: &RefreshClaims) -> Result<String, String> {
        self.sign(claims)
    }

    /// Header and claims read by jsonwebtoken (the header must say RS256, as every
    /// token the emulator signs does), then the signature over the compact token's
    /// signing input checked with ring against the emulator's public key.
    fn decode<T: serde::de::DeserializeOwned>(&self, token: &str) -> Result<T, TokenProblem> {
        let data =
            jsonwebtoken::dangerous::insecure_decode::<T>(token).map_err(|_| TokenProblem::Malformed)?;
        if data.header.alg != Algorithm::RS256 {
            return Err(TokenProblem::Malformed);
        }
        match self.signature_holds(token) {
            true => Ok(data.claims),
            false => Err(TokenProblem::BadSignature),
        }
    }

    fn signature_holds(&self, token: &str) -> bool {
        let Some((signing_input, signature)) = token.rsplit_once('.') else { return false };
        let Ok(signature) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            self.key_pair.public().as_ref(),
        );
        public.verify(signing_input.as_bytes(), &signature).is_ok()
    }

    /// Verify an access token's signature (cached); expiry, audience and tenant are the caller's.
    pub fn verify_access(&self, token: &str) -> Result<Arc<AccessClaims>, TokenProblem> {
        let shard = &self.cache[shard_of(token)];
        if let Some(c) = shard.read().get(token) {
            return Ok(c.clone());
        }
        let claims = Arc::new(self.decode::<AccessClaims>(token)?);
        let mut w = shard.write();
        if w.len() >= SHARD_CAP {
            w.clear();
        }
        w.insert(token.into(), claims.clone());
        Ok(claims)
    }

    /// Verify the signature of any emulator-signed token and read its claims.
    pub fn verify_signed<T: serde::de::DeserializeOwned>(&self, token: &str) -> Result<T, TokenProblem> {
        self.decode::<T>(token).map_err(|_| TokenProblem::Malformed)
    }

    pub fn verify_refresh(&self, token: &str) -> Result<RefreshClaims, TokenProblem> {
        let claims = self.decode::<RefreshClaims>(token).map_err(|_| TokenProblem::Malformed)?;
        if claims.typ != "rt" {
            return Err(TokenProblem::Malformed);
        }
        Ok(claims)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn claims() -> AccessClaims {
        AccessClaims {
            aud: "https://ps.compliance.protection.outlook.com".into(),
            iss: "https://sts.windows.net/t/".into(),
            iat: 1,
            nbf: 1,
            exp: 2,
            tid: "00000000-0000-4000-8000-000000000001".into(),
            appid: "app".into(),
            upn: None,
            idtyp: "app".into(),
            roles: vec![],
            scp: None,
            oid: "oid".into(),
            uti: "uti".into(),
            ver: "1.0".into(),
        }
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn a_signed_token_verifies_and_any_change_to_it_does_not() {
        let signer = Signer::new().unwrap();
        let token = signer.sign_access(&claims()).unwrap();
        assert_eq!(*signer.verify_access(&token).unwrap(), claims());
        let parts: Vec<&str> = token.split('.').collect();
        // Other claims under the same signature.
        let mut tid = claims();
        tid.tid = "00000000-0000-4000-8000-000000000002".into();
        let swapped = format!("{}.{}.{}", parts[0], b64(&serde_json::to_vec(&tid).unwrap()), parts[2]);
        assert_eq!(signer.verify_access(&swapped).unwrap_err(), TokenProblem::BadSignature);
        // Another signature, and one that is not base64.
        let zeros = format!("{}.{}.{}", parts[0], parts[1], b64(&[0u8; 256]));
        assert_eq!(signer.verify_access(&zeros).unwrap_err(), TokenProblem::BadSignature);
        let garbled = format!("{}.{}.{}", parts[0], parts[1], "!!!");
        assert_eq!(signer.verify_access(&garbled).unwrap_err(), TokenProblem::BadSignature);
        // A header that does not say RS256, and text that is no token at all.
        let none = format!("{}.{}.{}", b64(br#"{"alg":"none","typ":"JWT"}"#), parts[1], parts[2]);
        assert_eq!(signer.verify_access(&none).unwrap_err(), TokenProblem::Malformed);
        let hs = format!("{}.{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), parts[1], parts[2]);
        assert_eq!(signer.verify_access(&hs).unwrap_err(), TokenProblem::Malformed);
        assert_eq!(signer.verify_access("not-a-token").unwrap_err(), TokenProblem::Malformed);
        // An access token is not a refresh token.
        assert!(signer.verify_refresh(&token).is_err());
    }
}
