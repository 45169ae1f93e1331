//! Responses the layer writes itself, and reading the ones rmcp writes.

use std::convert::Infallible;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use lambda_http::Body;
use serde_json::{Value, json};
use workplace_service::http::{error_response, json_response};
use workplace_service::{ApiError, AppState};

use crate::record::RecordHandle;

/// Why the layer answered instead of rmcp.
#[derive(Debug)]
pub(super) enum Rejection {
    /// A REST-shaped error: 401, 403 `insufficient_scope`, 405, 503.
    Api(ApiError),
    /// The `Host` header is not an allowed host.
    Host,
    /// A present `Origin` header is not an allowed origin.
    Origin,
}

impl Rejection {
    /// The record's outcome.
    pub(super) fn outcome(&self) -> &'static str {
        match self {
            Self::Api(err) => err.outcome(),
            Self::Host | Self::Origin => "invalid",
        }
    }

    /// The record's error code.
    pub(super) fn code(&self) -> &'static str {
        match self {
            Self::Api(err) => err.code(),
            Self::Host => "host_not_allowed",
            Self::Origin => "origin_not_allowed",
        }
    }

    pub(super) fn into_response(self, state: &AppState, request_id: &str) -> Response<Body> {
        match self {
            Self::Api(err) => {
                let runtime = state.runtime_now();
                let resource_metadata = runtime
                    .as_ref()
                    .map(|r| r.config.resource_metadata_url.as_str())
                    .unwrap_or("/.well-known/oauth-protected-resource");
                error_response(&err, request_id, resource_metadata)
            }
            // The transport spec: 403, optionally with a JSON-RPC error that has no `id`.
            Self::Host | Self::Origin => {
                let what = if matches!(self, Self::Host) {
                    "Host"
                } else {
                    "Origin"
                };
                json_response(
                    StatusCode::FORBIDDEN,
                    &json!({"jsonrpc": "2.0", "error": {
                        "code": -32600,
                        "message": format!("Forbidden: the {what} header is not allowed"),
                    }}),
                    request_id,
                )
            }
        }
    }
}

/// Collects rmcp's body. With JSON responses and no SSE keep-alive every body is finite and small;
/// API Gateway HTTP APIs buffer responses anyway.
pub(super) async fn buffer(response: Response<BoxBody<Bytes, Infallible>>) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(err) => Body::Binary(err.into_bytes()),
        }
    };
    Response::from_parts(parts, body)
}

/// Sets the record's outcome from rmcp's answer, unless the tool handler already did.
pub(super) fn classify(response: &Response<Body>, record: &RecordHandle) {
    let status = response.status();
    let (outcome, code) = if status.is_server_error() {
        ("error", Some("internal_error".to_owned()))
    } else if status.is_client_error() {
        ("invalid", Some(http_code(status)))
    } else {
        match jsonrpc_error_code(response.body().as_ref()) {
            Some(-32603) => ("error", Some("internal_error".to_owned())),
            Some(code) => ("invalid", Some(jsonrpc_code_name(code))),
            None => ("ok", None),
        }
    };
    record.update(|r| {
        if r.outcome.is_empty() {
            r.outcome = outcome;
            if r.error_code.is_none() {
                r.error_code = code;
            }
        }
    });
}

/// Headers every answer carries: the request id for support, and no caching of per-user data.
pub(super) fn stamp(response: &mut Response<Body>, request_id: &str) {
    let headers = response.headers_mut();
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", id);
    }
    if response.body().as_ref().is_empty() {
        response.headers_mut().remove(CONTENT_TYPE);
    }
}

fn http_code(status: StatusCode) -> String {
    match status {
        StatusCode::BAD_REQUEST => "bad_request".into(),
        StatusCode::FORBIDDEN => "forbidden".into(),
        StatusCode::NOT_FOUND => "not_found".into(),
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed".into(),
        StatusCode::NOT_ACCEPTABLE => "not_acceptable".into(),
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large".into(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type".into(),
        other => format!("http_{}", other.as_u16()),
    }
}

/// The `error.code` of a JSON-RPC error response, if the body is one.
fn jsonrpc_error_code(body: &[u8]) -> Option<i64> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get("error")?.get("code")?.as_i64()
}

fn jsonrpc_code_name(code: i64) -> String {
    match code {
        -32700 => "parse_error".into(),
        -32600 => "invalid_request".into(),
        -32601 => "method_not_found".into(),
        -32602 => "invalid_params".into(),
        -32020 => "header_mismatch".into(),
        -32021 => "missing_client_capability".into(),
        -32022 => "unsupported_protocol_version".into(),
        other => format!("jsonrpc_{other}"),
    }
}
