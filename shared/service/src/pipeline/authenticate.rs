//! Stage 2: the bearer token.

use http::HeaderMap;
use workplace_auth::Principal;

use super::Exchange;
use crate::ApiError;
use crate::state::Parts;

impl Exchange {
    /// Verifies the `Authorization` header; the caller's `sub` and client id go into the record.
    pub(super) async fn authenticate(
        &self,
        parts: &Parts,
        headers: &HeaderMap,
    ) -> Result<Principal, ApiError> {
        let header = headers
            .get(http::header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        match parts.auth.authenticate(header).await {
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
