//! Reading requests and writing responses for the REST routes.

use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use http::{HeaderMap, Response, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde::Serialize;
use serde_json::{Value, json};
use workplace_auth::challenge;

use crate::ApiError;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the invocation record and error bodies need from a request.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    /// The Lambda request id (or API Gateway's when there is no Lambda context).
    pub request_id: String,
    /// The caller's IP.
    pub client_ip: Option<String>,
    /// The caller's User-Agent.
    pub user_agent: Option<String>,
    /// `METHOD path`.
    pub route: String,
}

impl RequestInfo {
    /// Reads the request's identity.
    pub fn of(req: &Request) -> Self {
        let api_context = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => Some(ctx),
            _ => None,
        };
        let request_id = req
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .filter(|id| !id.is_empty())
            .or_else(|| api_context.and_then(|c| c.request_id.clone()))
            .unwrap_or_else(|| "unknown".to_owned());
        Self {
            request_id,
            client_ip: api_context.and_then(|c| c.http.source_ip.clone()),
            user_agent: header_str(req.headers(), "user-agent").map(str::to_owned),
            route: format!("{} {}", req.method(), req.uri().path()),
        }
    }
}

/// A header as text, when it is text.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request path without a trailing slash (but `/` stays `/`).
pub fn path(req: &Request) -> &str {
    let path = req.uri().path();
    if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    }
}

/// The body as JSON, after the size and media-type checks.
pub fn json_body(req: &Request) -> Result<Value, ApiError> {
    let body: &[u8] = req.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let is_json = header_str(req.headers(), "content-type").is_some_and(|ct| {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
    });
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadJson("the body is empty".into()));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadJson(format!("{e} (line {}, column {})", e.line(), e.column())))
}

/// A JSON response.
pub fn json_response(
    status: StatusCode,
    body: &impl Serialize,
    request_id: &str,
) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", id);
    }
    response
}

/// What a `WWW-Authenticate` challenge points a client at.
#[derive(Debug, Clone, Copy)]
pub struct ChallengeContext<'a> {
    /// The protected-resource metadata's URL.
    pub resource_metadata: &'a str,
    /// The scopes a first sign-in asks for (see [`crate::state::Runtime::sign_in_scopes`]).
    pub sign_in_scopes: &'a [&'static str],
}

/// The error response for `err`: the standard body plus the headers its status calls for
/// (`WWW-Authenticate` on 401/403, `Allow` on 405). 500s are logged here, once.
pub fn error_response(
    err: &ApiError,
    request_id: &str,
    challenge: ChallengeContext<'_>,
) -> Response<Body> {
    if matches!(err, ApiError::Internal) {
        tracing::error!(request_id, "internal error");
    }
    let body = json!({
        "error": {"code": err.code(), "message": err.to_string(), "request_id": request_id}
    });
    let mut response = json_response(err.status(), &body, request_id);
    let challenge = match err {
        ApiError::Unauthorized(auth) if err.status() == StatusCode::UNAUTHORIZED => {
            Some(challenge::unauthorized(
                challenge.resource_metadata,
                challenge.sign_in_scopes.iter().copied(),
                auth,
            ))
        }
        ApiError::Forbidden { missing, granted } => Some(challenge::insufficient_scope(
            challenge.resource_metadata,
            granted.iter().copied(),
            missing.iter().copied(),
        )),
        _ => None,
    };
    let headers = response.headers_mut();
    if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(WWW_AUTHENTICATE, value);
    }
    match err {
        ApiError::MethodNotAllowed { allow } => {
            headers.insert(ALLOW, HeaderValue::from_static(allow));
        }
        ApiError::Unauthorized(_) if err.status() == StatusCode::SERVICE_UNAVAILABLE => {
            headers.insert("retry-after", HeaderValue::from_static("5"));
        }
        ApiError::RateLimited {
            headers: limit_headers,
            ..
        } => {
            for (name, value) in limit_headers {
                if let Ok(value) = HeaderValue::from_str(value) {
                    headers.insert(*name, value);
                }
            }
        }
        _ => {}
    }
    response
}
