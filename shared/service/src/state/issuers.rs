//! Identity providers of their own, for organisations that bring one (`identity.jwks_url`).
//!
//! A token whose issuer is neither the deployment's nor the service tokens' is verified against
//! the signing keys of the tenant that names that issuer, from the tenants table, never from
//! anything the token says beyond the issuer it must then carry exactly. Its audience must still be
//! this server. One verifier per issuer and key URL lives as long as the container, so its key
//! cache and its refetch throttle do too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use workplace_auth::{
    AuthError, HttpJwksFetcher, JwksVerifier, JwksVerifierConfig, Principal, ScopePolicy,
    bearer_token, unverified_issuer,
};
use workplace_tenants::{TenantDirectory, Tenants};

/// The tenants' own identity providers.
pub(super) struct TenantIssuers {
    directory: Arc<TenantDirectory>,
    http: reqwest::Client,
    audience: String,
    scope_policy: ScopePolicy,
    verifiers: Mutex<HashMap<(String, String), Arc<JwksVerifier>>>,
}

impl TenantIssuers {
    pub(super) fn new(
        directory: Arc<TenantDirectory>,
        http: reqwest::Client,
        audience: String,
        scope_policy: ScopePolicy,
    ) -> Self {
        Self {
            directory,
            http,
            audience,
            scope_policy,
            verifiers: Mutex::new(HashMap::new()),
        }
    }

    /// Verifies a token of an issuer a tenant names with its own keys; `UntrustedIssuer` when no
    /// tenant does (or two name it with different keys).
    pub(super) async fn verify(
        &self,
        authorization: Option<&[u8]>,
    ) -> Result<Principal, AuthError> {
        let token = bearer_token(authorization)?;
        let issuer = unverified_issuer(token)?;
        let tenants = self.directory.tenants().await.map_err(|err| {
            tracing::error!(error = %err, "the tenants table could not be read to find an issuer");
            AuthError::UntrustedIssuer
        })?;
        let Some(jwks_url) = jwks_url(&tenants, &issuer) else {
            return Err(AuthError::UntrustedIssuer);
        };
        let verifier = {
            let mut verifiers = self
                .verifiers
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                verifiers
                    .entry((issuer.clone(), jwks_url.clone()))
                    .or_insert_with(|| {
                        Arc::new(JwksVerifier::new(
                            JwksVerifierConfig {
                                issuer,
                                audience: self.audience.clone(),
                                min_refetch_interval: Duration::from_secs(60),
                                scope_policy: self.scope_policy,
                            },
                            Arc::new(HttpJwksFetcher::new(self.http.clone(), jwks_url)),
                        ))
                    }),
            )
        };
        verifier.verify(token).await
    }
}

/// The key URL the tenants name for `issuer`: one URL, however many tenants share the issuer.
fn jwks_url(tenants: &Tenants, issuer: &str) -> Option<String> {
    let mut urls = tenants.values().filter_map(|t| {
        let identity = &t.document.identity;
        (identity.issuer == issuer)
            .then(|| identity.jwks_url.clone())
            .flatten()
    });
    let first = urls.next()?;
    if urls.any(|other| other != first) {
        tracing::error!(%issuer, "two tenants name this issuer with different key URLs; its tokens are refused");
        return None;
    }
    Some(first)
}
