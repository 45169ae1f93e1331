//! HS256 service tokens.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};

use crate::claims::Claims;
use crate::{AuthError, LEEWAY_SECONDS, Principal, TokenKind};

/// Verifies HS256 tokens signed with the shared `JWT_SECRET_KEY`, for service callers (a Cequence
/// proxy, batch jobs) and local development. Only HS256 is accepted, only with this issuer.
pub struct ServiceTokenVerifier {
    issuer: String,
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for ServiceTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceTokenVerifier")
            .field("issuer", &self.issuer)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl ServiceTokenVerifier {
    /// Minimum secret length: HS256 keys shorter than the hash output (32 bytes) weaken it.
    pub const MIN_SECRET_BYTES: usize = 32;

    /// A verifier for tokens with issuer `issuer` and an audience containing `audience`.
    pub fn new(issuer: &str, audience: &str, secret: &SecretString) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Self {
            issuer: issuer.to_owned(),
            key: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            validation,
        }
    }

    /// The issuer this verifier accepts.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Verifies `token` and returns its principal.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)?;
        Principal::from_claims(data.claims, TokenKind::Service)
    }
}
