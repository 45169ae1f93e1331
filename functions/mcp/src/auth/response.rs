//! Responses the layer writes itself, and reading the ones rmcp writes.

use std::convert::Infallible;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use lambda_http::Body;
use serde_json::json;
use workplace_record::ErrorCode;
use workplace_service::ApiError;
use workplace_service::http::json_response;

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
    /// The record's error code.
    pub(super) fn code(&self) -> ErrorCode {
        match self {
            Self::Api(err) => err.code(),
            Self::Host => ErrorCode::HostNotAllowed,
            Self::Origin => ErrorCode::OriginNotAllowed,
        }
    }

    /// The transport spec's answer to a refused `Host` or `Origin`: 403, optionally with a
    /// JSON-RPC error that has no `id`. (`Api` rejections are answered by the pipeline.)
    pub(super) fn into_response(self, request_id: &str) -> Response<Body> {
        let what = match self {
            Self::Host => "Host",
            Self::Origin => "Origin",
            Self::Api(_) => "request",
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

/// The error code of rmcp's answer, if it is a failure: a transport status or a JSON-RPC error.
pub(super) fn classify(response: &Response<Body>) -> Option<ErrorCode> {
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        return Some(ErrorCode::from_http_status(status.as_u16()));
    }
    jsonrpc_error_code(response.body().as_ref()).map(ErrorCode::from_jsonrpc)
}

/// Adds the admission's `RateLimit` headers to rmcp's answer.
pub(super) fn decorate(response: &mut Response<Body>, headers: &[(&'static str, String)]) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, value);
        }
    }
}

/// rmcp answers notifications with 202 and no body; such an answer carries no content type.
pub(super) fn strip_empty_content_type(response: &mut Response<Body>) {
    if response.body().as_ref().is_empty() {
        response.headers_mut().remove(CONTENT_TYPE);
    }
}

/// The `error.code` of a JSON-RPC error response, if the body is one. Read into the two fields it
/// needs: every other member is skipped unparsed (building the whole answer as a `Value` cost a
/// search a fiftieth of its instructions).
fn jsonrpc_error_code(body: &[u8]) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: Option<ErrorObject>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorObject {
        code: Option<serde_json::Number>,
    }
    let envelope: Envelope = serde_json::from_slice(body).ok()?;
    envelope.error?.code?.as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_code_is_read_from_an_error_answer_only() {
        let error =
            br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad","data":{"x":[1]}}}"#;
        assert_eq!(jsonrpc_error_code(error), Some(-32602));
        let result = br#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"error"}],"structuredContent":{"error":{"code":7}}}}"#;
        assert_eq!(jsonrpc_error_code(result), None);
        for odd in [
            &b""[..],
            b"not json",
            b"[]",
            br#"{"error":null}"#,
            br#"{"error":{"code":"x"}}"#,
            br#"{"error":{"code":1.5}}"#,
            br#"{"error":"text"}"#,
        ] {
            assert_eq!(
                jsonrpc_error_code(odd),
                None,
                "{}",
                String::from_utf8_lossy(odd)
            );
        }
    }
}
