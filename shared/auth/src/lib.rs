//! Bearer-token authentication for workplace-mcp.
//!
//! Every protected route calls [`Authenticator::authenticate`] with the request's `Authorization`
//! header and gets a [`Principal`] or an [`AuthError`]. Two verifiers exist, each with its own
//! algorithm allowlist, and the token's *issuer* (never its `alg` header) decides which one runs:
//!
//! - [`JwksVerifier`]: OIDC access tokens from Descope, RS256/ES256, keys from a JWKS URL, cached per
//!   container, `iss` matched exactly, `aud` must contain this server's resource URL (RFC 8707).
//! - [`ServiceTokenVerifier`]: HS256 tokens for services and local development, off unless
//!   configured ([`ServiceTokenConfig`]): their own issuer and key, `iat` required, lifetime capped,
//!   subjects limited to an allowlist.
//!
//! Choosing by issuer is what defeats algorithm confusion: an HS256 token claiming the Descope issuer
//! reaches a verifier that only accepts RS256/ES256, so the RSA public key can never be used as an
//! HMAC secret.
//!
//! [`challenge`] renders the `WWW-Authenticate` headers that 401 and 403 responses carry.

mod authenticator;
mod bearer;
pub mod challenge;
mod claims;
mod error;
mod jwks;
mod principal;
mod service_token;

pub use authenticator::{Authenticator, unverified_issuer};
pub use bearer::{MAX_TOKEN_BYTES, bearer_token};
pub use error::AuthError;
pub use jwks::{
    FetchFuture, HttpJwksFetcher, JwksError, JwksFetcher, JwksVerifier, JwksVerifierConfig,
    MAX_TOKEN_HORIZON,
};
pub use principal::{Principal, ScopePolicy, TokenKind};
pub use service_token::{DEFAULT_SERVICE_TOKEN_LIFETIME, ServiceTokenConfig, ServiceTokenVerifier};

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 60;

/// Smallest RSA modulus accepted in a JWKS, in bits (NIST SP 800-131A).
pub const MIN_RSA_BITS: usize = 2048;
