//! Stage 6: the response is stamped and the record emitted, however the request went.

use http::Response;
use http::header::{CACHE_CONTROL, HeaderValue};
use lambda_http::Body;
use workplace_record::ErrorCode;

use super::Exchange;
use crate::http::{ChallengeContext, error_response};
use crate::{ApiError, AppState};

/// Where clients learn how to get a token when no runtime could be built.
const DEFAULT_RESOURCE_METADATA: &str = "/.well-known/oauth-protected-resource";

impl Exchange {
    /// Notes a failure the entry point answers itself (a transport error, a refused tool call).
    /// The first failure noted wins.
    pub fn fail(&self, code: ErrorCode) {
        self.record.update(|r| {
            if r.error_code.is_none() {
                r.fail(code);
            }
        });
    }

    /// The error response for `err`, in the one error shape, with the challenge it calls for.
    pub fn error_response(&self, state: &AppState, err: &ApiError) -> Response<Body> {
        self.fail(err.code());
        let runtime = state.runtime_now().ok();
        let resource_metadata = runtime.as_ref().map_or(DEFAULT_RESOURCE_METADATA, |r| {
            r.config.resource_metadata_url.as_str()
        });
        let sign_in_scopes = match (&runtime, err) {
            (Some(runtime), ApiError::Unauthorized(_)) => runtime.sign_in_scopes(),
            _ => Vec::new(),
        };
        let challenge = ChallengeContext {
            resource_metadata,
            sign_in_scopes: &sign_in_scopes,
        };
        error_response(err, &self.info.request_id, challenge)
    }

    /// Ends the request: stamps the response (request id, no caching of per-user data), completes
    /// the record (status, latency) and emits it.
    pub fn finish(
        self,
        state: &AppState,
        result: Result<Response<Body>, ApiError>,
    ) -> Response<Body> {
        let mut response = match result {
            Ok(response) => response,
            Err(err) => self.error_response(state, &err),
        };
        let headers = response.headers_mut();
        headers
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
        if let Ok(id) = HeaderValue::from_str(&self.info.request_id) {
            headers.insert("x-request-id", id);
        }
        let status = response.status().as_u16();
        let latency_ms = (self.started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        let record = self.record.update(|r| {
            r.status = status;
            r.latency_ms = latency_ms;
            r.clone()
        });
        state.records.emit(&record);
        response
    }
}
