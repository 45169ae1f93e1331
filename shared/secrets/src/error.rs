//! Why the secret could not be loaded. Messages name the secret id and keys, never values.

/// A secrets failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    /// The secret does not exist.
    #[error("secret `{0}` was not found in Secrets Manager")]
    NotFound(String),
    /// The function may not read it.
    #[error("access to secret `{0}` was denied; grant secretsmanager:GetSecretValue on it")]
    AccessDenied(String),
    /// It has no string value.
    #[error("secret `{0}` has no SecretString (binary secrets are not supported)")]
    NotAString(String),
    /// Not a JSON object; `where` says where parsing stopped.
    #[error("secret `{id}` is not a JSON object ({location})")]
    Malformed {
        /// The secret id.
        id: String,
        /// Line and column, or what is wrong; never the content.
        location: String,
    },
    /// A key has the wrong type.
    #[error("secret key `{0}` must be a string")]
    WrongType(&'static str),
    /// A required key is absent or empty.
    #[error("secret key `{0}` is missing or empty")]
    MissingKey(&'static str),
    /// Secrets Manager could not be reached or failed.
    #[error("could not read secret `{id}`: {reason}")]
    Unavailable {
        /// The secret id.
        id: String,
        /// What went wrong.
        reason: String,
    },
    /// `SECRETS_ID` or `SECRETS_TTL_SECONDS` is invalid.
    #[error("{0}")]
    Config(String),
}
