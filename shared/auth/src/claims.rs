//! The claims we read from a verified token.

use serde::Deserialize;

/// Claims of an access token. Registered claims (`exp`, `nbf`, `iss`, `aud`) are checked by
/// `jsonwebtoken`'s validation; this struct holds what we turn into a [`crate::Principal`].
#[derive(Debug, Deserialize)]
pub(crate) struct Claims {
    /// Optional here so a missing `sub` is reported as such rather than as a malformed token.
    #[serde(default)]
    pub(crate) sub: Option<String>,
    pub(crate) iss: String,
    #[serde(default)]
    pub(crate) azp: Option<String>,
    #[serde(default)]
    pub(crate) client_id: Option<String>,
    /// Space-separated scopes (RFC 8693 §4.2, the form Descope uses).
    #[serde(default)]
    pub(crate) scope: Option<String>,
    /// Descope's RBAC permissions, also honoured as scopes when present.
    #[serde(default)]
    pub(crate) permissions: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) email: Option<String>,
    /// OIDC `email_verified`. Read as any JSON value so an odd type (e.g. the string `"true"`)
    /// cannot make a valid token unreadable; only the boolean `true` counts as verified.
    #[serde(default)]
    pub(crate) email_verified: Option<serde_json::Value>,
}

/// Only the issuer, read *before* verification to choose the verifier. Nothing else from an
/// unverified token is ever used.
#[derive(Debug, Deserialize)]
pub(crate) struct UnverifiedIssuer {
    pub(crate) iss: Option<String>,
}
