//! Why a request was not authenticated.

/// An authentication failure. Every variant but [`AuthError::KeysUnavailable`] is the caller's
/// problem and maps to 401; `KeysUnavailable` means we could not check the token at all and maps to
/// 503, so clients retry instead of throwing away a good token.
///
/// Variants carry no token material, so they are safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization` header.
    #[error("no bearer token was sent")]
    MissingCredentials,
    /// An `Authorization` header with a scheme other than Bearer.
    #[error("the Authorization header must use the Bearer scheme")]
    UnsupportedScheme,
    /// The token is larger than [`crate::MAX_TOKEN_BYTES`].
    #[error("the bearer token is too large")]
    TokenTooLarge,
    /// Not a well-formed JWT.
    #[error("the bearer token is malformed: {0}")]
    Malformed(&'static str),
    /// The token's issuer is not one this server trusts.
    #[error("the token's issuer is not trusted by this server")]
    UntrustedIssuer,
    /// The token's `alg` is not allowed for its issuer.
    #[error("the token's signing algorithm is not allowed")]
    DisallowedAlgorithm,
    /// No signing key with the token's `kid`, even after refreshing the key set.
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the token's signature is invalid")]
    InvalidSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `aud` does not contain this server's resource URL.
    #[error("the token was not issued for this server (audience mismatch)")]
    WrongAudience,
    /// A required claim is missing or has the wrong type.
    #[error("the token lacks a required claim: {0}")]
    MissingClaim(&'static str),
    /// `exp` is further away than this server allows (for service tokens: `exp - iat` exceeds the
    /// configured lifetime).
    #[error("the token's lifetime is longer than this server allows")]
    LifetimeTooLong,
    /// A service token for a subject outside `SERVICE_TOKEN_SUBJECTS`.
    #[error("service tokens are not allowed for this subject")]
    SubjectNotAllowed,
    /// The issuer's signing keys could not be fetched.
    #[error("the issuer's signing keys are unavailable")]
    KeysUnavailable,
}

impl AuthError {
    /// Whether the client sent a token at all (RFC 6750 §3.1: no `error` attribute otherwise).
    pub fn token_was_sent(&self) -> bool {
        !matches!(self, Self::MissingCredentials | Self::UnsupportedScheme)
    }

    /// A stable, machine-readable reason for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingCredentials => "missing_credentials",
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::TokenTooLarge => "token_too_large",
            Self::Malformed(_) => "malformed",
            Self::UntrustedIssuer => "untrusted_issuer",
            Self::DisallowedAlgorithm => "disallowed_algorithm",
            Self::UnknownKey => "unknown_key",
            Self::InvalidSignature => "invalid_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::WrongAudience => "wrong_audience",
            Self::MissingClaim(_) => "missing_claim",
            Self::LifetimeTooLong => "lifetime_too_long",
            Self::SubjectNotAllowed => "subject_not_allowed",
            Self::KeysUnavailable => "keys_unavailable",
        }
    }
}

impl From<jsonwebtoken::errors::Error> for AuthError {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        use jsonwebtoken::errors::ErrorKind;
        match err.kind() {
            ErrorKind::ExpiredSignature => Self::Expired,
            ErrorKind::ImmatureSignature => Self::NotYetValid,
            ErrorKind::InvalidAudience => Self::WrongAudience,
            ErrorKind::InvalidIssuer => Self::UntrustedIssuer,
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                Self::DisallowedAlgorithm
            }
            ErrorKind::InvalidSignature => Self::InvalidSignature,
            ErrorKind::MissingRequiredClaim(claim) => Self::MissingClaim(match claim.as_str() {
                "exp" => "exp",
                "iss" => "iss",
                "aud" => "aud",
                "sub" => "sub",
                "nbf" => "nbf",
                _ => "unknown",
            }),
            _ => Self::Malformed("not a valid JWT"),
        }
    }
}
