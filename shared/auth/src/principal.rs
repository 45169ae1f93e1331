//! Who is calling, after verification.

use std::collections::BTreeSet;

use crate::AuthError;
use crate::claims::Claims;

/// Which verifier accepted the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An OIDC access token verified against the identity provider's JWKS.
    Oidc,
    /// An HS256 service token signed with `JWT_SECRET_KEY`.
    Service,
}

/// Where granted scopes come from.
///
/// `scope` is what the user consented to *for this client*; Descope's `permissions` claim is what
/// the user's roles allow in general. Merging the two would hand a client the user consented for
/// one source every source the user's roles allow, so `permissions` can only ever narrow `scope`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ScopePolicy {
    /// Scopes are the `scope` claim; `permissions` is ignored.
    #[default]
    ScopeOnly,
    /// Scopes are the `scope` claim intersected with `permissions` (`SCOPES_INTERSECT_PERMISSIONS`):
    /// a scope the user's roles no longer allow is dropped even if the client still holds it. A
    /// token without `permissions` gets no scopes.
    IntersectPermissions,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The stable user id (`sub`); rate limits and upstream tokens are keyed by it.
    pub subject: String,
    /// The OAuth client (`azp`, else `client_id`), when the token names one.
    pub client_id: Option<String>,
    /// The verified issuer.
    pub issuer: String,
    /// Granted scopes: the space-separated `scope` claim, narrowed per [`ScopePolicy`].
    pub scopes: BTreeSet<String>,
    /// The user's email, when present; Google domain-wide delegation impersonates it.
    pub email: Option<String>,
    /// Whether the token's `email_verified` claim is the boolean `true` (absent: `false`).
    /// Delegation acts only for verified emails.
    pub email_verified: bool,
    /// Which verifier accepted the token.
    pub kind: TokenKind,
}

impl Principal {
    pub(crate) fn from_claims(
        claims: Claims,
        kind: TokenKind,
        policy: ScopePolicy,
    ) -> Result<Self, AuthError> {
        let subject = claims
            .sub
            .filter(|s| !s.is_empty())
            .ok_or(AuthError::MissingClaim("sub"))?;
        let mut scopes: BTreeSet<String> = claims
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect();
        if policy == ScopePolicy::IntersectPermissions {
            let permissions: BTreeSet<String> =
                claims.permissions.unwrap_or_default().into_iter().collect();
            scopes.retain(|scope| permissions.contains(scope));
        }
        Ok(Self {
            subject,
            client_id: claims.azp.or(claims.client_id).filter(|c| !c.is_empty()),
            issuer: claims.iss,
            scopes,
            email: claims.email.filter(|e| !e.is_empty()),
            email_verified: claims.email_verified == Some(serde_json::Value::Bool(true)),
            kind,
        })
    }

    /// Whether the caller was granted `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(extra: serde_json::Value) -> Principal {
        let mut claims = serde_json::json!({"sub": "U2alice", "iss": "https://issuer.example",
            "email": "alice@acme.example"});
        if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
            claims.extend(extra.clone());
        }
        Principal::from_claims(
            serde_json::from_value(claims).unwrap(),
            TokenKind::Oidc,
            ScopePolicy::ScopeOnly,
        )
        .unwrap()
    }

    #[test]
    fn only_a_boolean_true_email_verified_counts() {
        assert!(principal(serde_json::json!({"email_verified": true})).email_verified);
        for unverified in [
            serde_json::json!({}),
            serde_json::json!({"email_verified": false}),
            serde_json::json!({"email_verified": "true"}),
            serde_json::json!({"email_verified": 1}),
            serde_json::json!({"email_verified": null}),
        ] {
            assert!(
                !principal(unverified.clone()).email_verified,
                "{unverified}"
            );
        }
    }
}
