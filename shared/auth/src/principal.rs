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
    /// The user's email from an OIDC token, when present; Google domain-wide delegation
    /// impersonates it. Always `None` for a service token: whoever holds the service-token key
    /// writes every claim, so an `email` claim there names whoever they like (see
    /// [`Principal::service_identity`] for what a service token acts as instead).
    pub email: Option<String>,
    /// Whether an OIDC token's `email_verified` claim is the boolean `true` (absent: `false`).
    /// Delegation acts only for verified emails. Always `false` for a service token.
    pub email_verified: bool,
    /// For a service token: the one upstream identity (an email) the operator configured for its
    /// subject (`SERVICE_TOKEN_SUBJECTS=subject=email`), never anything the token says. `None`
    /// for OIDC tokens and for service subjects configured without one.
    pub service_identity: Option<String>,
    /// The organisation the token acts in, as its identity provider says: Descope's active
    /// tenant (`dct`), only when it is a string that is also a key of the token's `tenants`
    /// claim (the user belongs to it). Always `None` for a service token.
    pub active_tenant: Option<String>,
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
        // Only the identity provider vouches for an email. A service token is signed with a key
        // its holder has, so its `email` and `email_verified` claims are the holder's word and
        // are dropped here, before anything downstream could act on them.
        let (email, email_verified) = match kind {
            TokenKind::Oidc => (
                claims.email.filter(|e| !e.is_empty()),
                claims.email_verified == Some(serde_json::Value::Bool(true)),
            ),
            TokenKind::Service => (None, false),
        };
        let active_tenant = match (kind, claims.dct, claims.tenants) {
            (
                TokenKind::Oidc,
                Some(serde_json::Value::String(dct)),
                Some(serde_json::Value::Object(tenants)),
            ) if !dct.is_empty() && tenants.contains_key(&dct) => Some(dct),
            _ => None,
        };
        Ok(Self {
            subject,
            client_id: claims.azp.or(claims.client_id).filter(|c| !c.is_empty()),
            issuer: claims.iss,
            scopes,
            email,
            email_verified,
            service_identity: None,
            active_tenant,
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
    fn a_service_token_carries_no_email_whatever_it_claims() {
        let claims = serde_json::json!({"sub": "svc", "iss": "workplace-mcp",
            "email": "alice@acme.example", "email_verified": true});
        let principal = Principal::from_claims(
            serde_json::from_value(claims).unwrap(),
            TokenKind::Service,
            ScopePolicy::ScopeOnly,
        )
        .unwrap();
        assert_eq!(principal.email, None);
        assert!(!principal.email_verified);
        assert_eq!(principal.service_identity, None);
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

    #[test]
    fn the_active_tenant_is_believed_only_when_the_user_belongs_to_it() {
        let member = serde_json::json!({"dct": "T-acme", "tenants": {"T-acme": {"roles": []}}});
        assert_eq!(principal(member).active_tenant.as_deref(), Some("T-acme"));
        for other in [
            serde_json::json!({"dct": "T-acme"}),
            serde_json::json!({"dct": "T-acme", "tenants": {"T-globex": {}}}),
            serde_json::json!({"dct": "T-acme", "tenants": ["T-acme"]}),
            serde_json::json!({"dct": 7, "tenants": {"7": {}}}),
            serde_json::json!({"dct": "", "tenants": {"": {}}}),
            serde_json::json!({"tenants": {"T-acme": {}}}),
        ] {
            assert_eq!(principal(other.clone()).active_tenant, None, "{other}");
        }
        // A service token's holder writes every claim: it names no tenant.
        let claims = serde_json::json!({"sub": "svc", "iss": "workplace-mcp",
            "dct": "T-acme", "tenants": {"T-acme": {}}});
        let service = Principal::from_claims(
            serde_json::from_value(claims).unwrap(),
            TokenKind::Service,
            ScopePolicy::ScopeOnly,
        )
        .unwrap();
        assert_eq!(service.active_tenant, None);
    }
}
