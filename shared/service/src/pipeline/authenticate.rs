//! Stage 2: the bearer token.

use http::HeaderMap;
use workplace_auth::{AuthError, Principal};

use super::Exchange;
use crate::ApiError;
use crate::state::{Parts, Runtime};

impl Exchange {
    /// Verifies the `Authorization` header; the caller's `sub` and client id go into the record.
    /// An issuer the deployment does not know may be a tenant's own identity provider.
    pub(super) async fn authenticate(
        &self,
        runtime: &Runtime,
        parts: &Parts,
        headers: &HeaderMap,
    ) -> Result<Principal, ApiError> {
        let header = headers
            .get(http::header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        let verified = match parts.auth.authenticate(header).await {
            Err(AuthError::UntrustedIssuer) => Box::pin(runtime.verify_tenant_token(header))
                .await
                .unwrap_or(Err(AuthError::UntrustedIssuer)),
            other => other,
        };
        match verified {
            Ok(principal) => {
                self.record.update(|r| {
                    r.sub = Some(principal.subject.clone());
                    r.client_id = principal.client_id.clone();
                });
                Ok(principal)
            }
            Err(err) => {
                self.record
                    .update(|r| r.reason = Some(err.reason().to_owned()));
                Err(ApiError::Unauthorized(err))
            }
        }
    }
}
