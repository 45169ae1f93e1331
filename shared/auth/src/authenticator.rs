//! Routing a token to the verifier its issuer names.

use std::sync::Arc;

use crate::claims::UnverifiedIssuer;
use crate::{AuthError, JwksVerifier, Principal, ServiceTokenVerifier, bearer_token};

/// Authenticates requests with whichever verifiers are configured.
#[derive(Debug, Default)]
pub struct Authenticator {
    oidc: Option<Arc<JwksVerifier>>,
    service: Option<ServiceTokenVerifier>,
}

impl Authenticator {
    /// An authenticator trusting the given verifiers. With neither, every token is rejected. The
    /// JWKS verifier is shared so its key cache outlives a rebuild after a secret rotation.
    pub fn new(oidc: Option<Arc<JwksVerifier>>, service: Option<ServiceTokenVerifier>) -> Self {
        Self { oidc, service }
    }

    /// The OIDC verifier, for cold-start key prefetching.
    pub fn oidc(&self) -> Option<&JwksVerifier> {
        self.oidc.as_deref()
    }

    /// Authenticates the raw `Authorization` header value.
    pub async fn authenticate(&self, authorization: Option<&[u8]>) -> Result<Principal, AuthError> {
        let token = bearer_token(authorization)?;
        // The issuer is read unverified only to pick the verifier; that verifier then checks the
        // signature with its own algorithm allowlist and re-checks `iss` exactly.
        let issuer = unverified_issuer(token)?;
        if let Some(oidc) = self.oidc.as_ref().filter(|v| v.issuer() == issuer) {
            return oidc.verify(token).await;
        }
        if let Some(service) = self.service.as_ref().filter(|v| v.issuer() == issuer) {
            return service.verify(token);
        }
        Err(AuthError::UntrustedIssuer)
    }
}

/// The issuer a token claims, unverified: only ever used to pick the verifier, which then checks
/// the signature and requires exactly this issuer.
pub fn unverified_issuer(token: &str) -> Result<String, AuthError> {
    jsonwebtoken::dangerous::insecure_decode_claims::<UnverifiedIssuer>(token)
        .map_err(|_| AuthError::Malformed("not a JWT"))?
        .iss
        .ok_or(AuthError::MissingClaim("iss"))
}
