//! The project's signing key: RS256, published as a JWKS with a `kid`, generated once per process
//! (every fake in a test binary shares it, so starting many fakes stays cheap).

use std::sync::OnceLock;

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// An RSA key pair and its public JWK.
pub struct SigningKey {
    encoding: EncodingKey,
    jwk: Jwk,
}

static SHARED: OnceLock<Option<SigningKey>> = OnceLock::new();

impl SigningKey {
    /// The process-wide key, generated on first use; `None` if generation failed.
    pub fn shared() -> Option<&'static SigningKey> {
        SHARED.get_or_init(Self::generate).as_ref()
    }

    fn generate() -> Option<Self> {
        use aws_lc_rs::encoding::AsDer;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).ok()?;
        use base64::Engine;
        // PKCS#8, which jsonwebtoken reads from PEM (its DER reader wants PKCS#1).
        let der = AsDer::as_der(&pair).ok()?;
        let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        );
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).ok()?;
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256).ok()?;
        jwk.common.key_id = Some(format!("SK{}", hex::encode(rand::random::<[u8; 8]>())));
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
        Some(Self { encoding, jwk })
    }

    /// The JWKS document: this one public key.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }

    /// The key id tokens carry in their header.
    pub fn kid(&self) -> Option<&str> {
        self.jwk.common.key_id.as_deref()
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Option<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.jwk.common.key_id.clone();
        jsonwebtoken::encode(&header, claims, &self.encoding).ok()
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{DecodingKey, Validation};

    use super::*;

    #[test]
    fn tokens_verify_with_the_published_key() {
        let key = SigningKey::shared().unwrap();
        let token = key
            .sign(&serde_json::json!({"sub": "U2alice", "exp": 4_000_000_000u64}))
            .unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), key.kid());
        let jwks = key.jwks();
        let decoding = DecodingKey::from_jwk(&jwks.keys[0]).unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        let data =
            jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap();
        assert_eq!(data.claims["sub"], "U2alice");
    }
}
