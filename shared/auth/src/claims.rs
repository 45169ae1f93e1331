//! The claims we read from a verified token, and the checks `jsonwebtoken` does not make.

use std::time::Duration;

use jsonwebtoken::Header;
use serde::Deserialize;

use crate::{AuthError, LEEWAY_SECONDS};

/// Claims of an access token. Registered claims (`exp`, `nbf`, `iss`, `aud`) are checked by
/// `jsonwebtoken`'s validation; this struct holds what we turn into a [`crate::Principal`] and what
/// our own checks need.
#[derive(Debug, Deserialize)]
pub(crate) struct Claims {
    /// Optional here so a missing `sub` is reported as such rather than as a malformed token.
    #[serde(default)]
    pub(crate) sub: Option<String>,
    pub(crate) iss: String,
    /// Already validated by `jsonwebtoken`; read again for the lifetime checks. A non-integer
    /// `exp` fails deserialization and the token is refused.
    #[serde(default)]
    pub(crate) exp: Option<u64>,
    /// Issued-at; required of service tokens so their lifetime can be capped.
    #[serde(default)]
    pub(crate) iat: Option<u64>,
    #[serde(default)]
    pub(crate) azp: Option<String>,
    #[serde(default)]
    pub(crate) client_id: Option<String>,
    /// Space-separated scopes (RFC 8693 §4.2, the form Descope uses): what the user consented to
    /// for this client.
    #[serde(default)]
    pub(crate) scope: Option<String>,
    /// Descope's RBAC permissions: what the user's roles allow, whatever the client was granted.
    /// Only ever used to narrow `scope` (see [`crate::ScopePolicy`]).
    #[serde(default)]
    pub(crate) permissions: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) email: Option<String>,
    /// OIDC `email_verified`. Read as any JSON value so an odd type (e.g. the string `"true"`)
    /// cannot make a valid token unreadable; only the boolean `true` counts as verified.
    #[serde(default)]
    pub(crate) email_verified: Option<serde_json::Value>,
    /// Descope's active tenant (`dct`), believed only when it is also a key of `tenants`.
    #[serde(default)]
    pub(crate) dct: Option<serde_json::Value>,
    /// Descope's tenants the user belongs to, keyed by tenant id.
    #[serde(default)]
    pub(crate) tenants: Option<serde_json::Value>,
}

/// Only the issuer, read *before* verification to choose the verifier. Nothing else from an
/// unverified token is ever used.
#[derive(Debug, Deserialize)]
pub(crate) struct UnverifiedIssuer {
    pub(crate) iss: Option<String>,
}

/// Refuses header parameters this server never uses, so none of them can change how a token is
/// verified: key references an attacker could point at their own key (`jku`, `jwk`, `x5u`, `x5c`),
/// critical extensions we do not understand (RFC 7515 §4.1.11 says to reject them), and nested
/// tokens (`cty: JWT`).
pub(crate) fn check_header(header: &Header) -> Result<(), AuthError> {
    if header.crit.is_some() {
        return Err(AuthError::Malformed(
            "critical header extensions are not supported",
        ));
    }
    if header.jku.is_some() || header.jwk.is_some() || header.x5u.is_some() || header.x5c.is_some()
    {
        return Err(AuthError::Malformed(
            "embedded or remote keys are not accepted",
        ));
    }
    if header
        .cty
        .as_deref()
        .is_some_and(|cty| cty.eq_ignore_ascii_case("JWT"))
    {
        return Err(AuthError::Malformed("nested tokens are not accepted"));
    }
    Ok(())
}

/// Checks `iat` against the clock and `exp - iat` against `max_lifetime`.
pub(crate) fn check_time_claims(
    iat: u64,
    exp: Option<u64>,
    max_lifetime: Duration,
) -> Result<(), AuthError> {
    let now = jsonwebtoken::get_current_timestamp();
    if iat > now.saturating_add(LEEWAY_SECONDS) {
        return Err(AuthError::NotYetValid);
    }
    let exp = exp.ok_or(AuthError::MissingClaim("exp"))?;
    if exp.saturating_sub(iat) > max_lifetime.as_secs() {
        return Err(AuthError::LifetimeTooLong);
    }
    Ok(())
}

/// Refuses a token whose `exp` is further away than `horizon`: an access token good for years is a
/// credential that never dies if it leaks.
pub(crate) fn check_horizon(exp: Option<u64>, horizon: Duration) -> Result<(), AuthError> {
    let exp = exp.ok_or(AuthError::MissingClaim("exp"))?;
    let now = jsonwebtoken::get_current_timestamp();
    if exp > now.saturating_add(horizon.as_secs()) {
        return Err(AuthError::LifetimeTooLong);
    }
    Ok(())
}
